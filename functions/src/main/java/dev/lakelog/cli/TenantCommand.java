package dev.lakelog.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.Lakelog;
import dev.lakelog.auth.HmacKey;
import dev.lakelog.auth.IngestToken;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.auth.Tier;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lakelog tenant ...}: create, list, rotate keys, revoke. Works on the embedded store
 * (local mode) or on DynamoDB when LAKELOG_TENANTS_TABLE is set. Secrets are printed once, at
 * creation or rotation, and are not retrievable afterwards (tokens are stored hashed).
 */
@Command(name = "tenant", mixinStandardHelpOptions = true, description = "Administer tenants, tokens and HMAC keys.",
        subcommands = {TenantCommand.Create.class, TenantCommand.ListTenants.class, TenantCommand.RotateKey.class, TenantCommand.Revoke.class,
                TenantCommand.IngestTokens.class, TenantCommand.Set.class})
final class TenantCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static Lakelog open(StorageOptions storage) {
        return Lakelog.start(storage.config());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant; prints tenant_id, token, key_id, hmac_secret.")
    static final class Create implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--id", required = true, description = "tenant id: lowercase letters, digits, '-' and '_', up to 63") String id;
        @Option(names = "--tier", required = true, description = "free or paid") String tier;
        @Mixin StorageOptions storage;

        @Override
        public Integer call() {
            if (!Tenant.validId(id)) throw new ParameterException(spec.commandLine(), "--id must be 1-63 of a-z, 0-9, '-', '_' and start with a letter or digit");
            Tier t;
            try {
                t = Tier.parse(tier);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--tier: " + e.getMessage());
            }
            try (Lakelog app = open(storage)) {
                TenantStore s = app.tenants();
                s.createTenant(new Tenant(id, t));
                String token = Secrets.newToken();
                s.addToken(id, Secrets.tokenHash(token));
                HmacKey key = new HmacKey(Secrets.newKeyId(), id, Secrets.newHmacSecret(), true);
                s.addHmacKey(key);
                ObjectNode out = JSON.createObjectNode().put("tenant_id", id).put("tier", t.wireName())
                        .put("token", token).put("key_id", key.keyId()).put("hmac_secret", key.secret());
                System.out.println(out);
                return 0;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tenants and their key ids (no secrets).")
    static final class ListTenants implements Callable<Integer> {
        @Mixin StorageOptions storage;

        @Override
        public Integer call() {
            try (Lakelog app = open(storage)) {
                ArrayNode arr = JSON.createArrayNode();
                for (Tenant t : app.tenants().tenants()) {
                    ObjectNode n = arr.addObject().put("tenant_id", t.id()).put("tier", t.tier().wireName())
                            .put("require_signature", app.tenants().requiresSignature(t.id()))
                            .put("ingest_tokens", app.tenants().ingestTokensOf(t.id()).size());
                    ArrayNode keys = n.putArray("keys");
                    for (HmacKey k : app.tenants().keysOf(t.id())) {
                        keys.addObject().put("key_id", k.keyId()).put("active", k.active());
                    }
                }
                System.out.println(arr);
                return 0;
            }
        }
    }

    @Command(name = "rotate-key", mixinStandardHelpOptions = true,
            description = "Add a new HMAC key; with --retire KEY_ID, deactivate an old one. At most two keys are active at once.")
    static final class RotateKey implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--id", required = true, description = "tenant id") String id;
        @Option(names = "--retire", description = "key id to deactivate after the new key is added") String retire;
        @Mixin StorageOptions storage;

        @Override
        public Integer call() {
            try (Lakelog app = open(storage)) {
                TenantStore s = app.tenants();
                requireTenant(spec, s, id);
                List<HmacKey> active = s.keysOf(id).stream().filter(HmacKey::active).toList();
                if (retire != null && active.stream().noneMatch(k -> k.keyId().equals(retire))) {
                    throw new ParameterException(spec.commandLine(), "--retire: tenant '" + id + "' has no active key '" + retire + "'");
                }
                if (active.size() >= 2 && retire == null) {
                    throw new ParameterException(spec.commandLine(), "tenant '" + id + "' already has two active keys; name one to deactivate with --retire");
                }
                HmacKey key = new HmacKey(Secrets.newKeyId(), id, Secrets.newHmacSecret(), true);
                s.addHmacKey(key);
                if (retire != null) s.deactivateKey(retire);
                System.out.println(JSON.createObjectNode().put("tenant_id", id).put("key_id", key.keyId())
                        .put("hmac_secret", key.secret()).put("retired_key_id", retire));
                return 0;
            }
        }
    }

    /** A usage error (exit 2) naming the tenant when it does not exist. */
    static void requireTenant(CommandSpec spec, TenantStore s, String id) {
        if (s.tenant(id).isEmpty()) throw new ParameterException(spec.commandLine(), "no tenant '" + id + "'");
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a tenant: its tokens and keys stop working at once. Its data stays.")
    static final class Revoke implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--id", required = true, description = "tenant id") String id;
        @Mixin StorageOptions storage;

        @Override
        public Integer call() {
            try (Lakelog app = open(storage)) {
                requireTenant(spec, app.tenants(), id);
                app.tenants().revokeTenant(id);
                System.out.println(JSON.createObjectNode().put("tenant_id", id).put("revoked", true));
                return 0;
            }
        }
    }

    @Command(name = "ingest-token", mixinStandardHelpOptions = true,
            description = "Write-only Bearer tokens for log shippers: accepted by /v1/log, /v1/log/batch and /v1/logs only.",
            subcommands = {IngestTokens.CreateToken.class, IngestTokens.ListTokens.class, IngestTokens.RevokeToken.class})
    static final class IngestTokens implements Runnable {
        @Spec CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }

        @Command(name = "create", mixinStandardHelpOptions = true,
                description = "Mint an ingest token; prints it once (it is stored hashed). A tenant may hold several.")
        static final class CreateToken implements Callable<Integer> {
            @Spec CommandSpec spec;
            @Option(names = "--id", required = true, description = "tenant id") String id;
            @Option(names = "--name", defaultValue = "ingest", description = "what the token is for, e.g. fluent-bit-prod (1-64 visible characters)") String name;
            @Mixin StorageOptions storage;

            @Override
            public Integer call() {
                if (name == null || name.isEmpty() || name.length() > 64 || !name.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
                    throw new ParameterException(spec.commandLine(), "--name must be 1-64 visible ASCII characters without spaces");
                }
                try (Lakelog app = open(storage)) {
                    TenantStore s = app.tenants();
                    requireTenant(spec, s, id);
                    String token = Secrets.newIngestToken();
                    IngestToken t = new IngestToken(Secrets.newIngestTokenId(), id, name, java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
                    s.addIngestToken(t, Secrets.tokenHash(token));
                    System.out.println(JSON.createObjectNode().put("tenant_id", id).put("token_id", t.id()).put("name", t.name())
                            .put("created_at", t.createdAt().toString()).put("ingest_token", token));
                    return 0;
                }
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "List a tenant's ingest tokens (ids and names, never the tokens).")
        static final class ListTokens implements Callable<Integer> {
            @Spec CommandSpec spec;
            @Option(names = "--id", required = true, description = "tenant id") String id;
            @Mixin StorageOptions storage;

            @Override
            public Integer call() {
                try (Lakelog app = open(storage)) {
                    requireTenant(spec, app.tenants(), id);
                    ArrayNode arr = JSON.createArrayNode();
                    for (IngestToken t : app.tenants().ingestTokensOf(id)) {
                        arr.addObject().put("token_id", t.id()).put("name", t.name()).put("created_at", t.createdAt().toString());
                    }
                    System.out.println(JSON.createObjectNode().put("tenant_id", id).set("ingest_tokens", arr));
                    return 0;
                }
            }
        }

        @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke one ingest token; it stops working at once.")
        static final class RevokeToken implements Callable<Integer> {
            @Spec CommandSpec spec;
            @Option(names = "--id", required = true, description = "tenant id") String id;
            @Option(names = "--token-id", required = true, description = "the token's id, from `ingest-token list`") String tokenId;
            @Mixin StorageOptions storage;

            @Override
            public Integer call() {
                try (Lakelog app = open(storage)) {
                    requireTenant(spec, app.tenants(), id);
                    if (!app.tenants().revokeIngestToken(id, tokenId)) {
                        throw new ParameterException(spec.commandLine(), "tenant '" + id + "' has no ingest token '" + tokenId + "'");
                    }
                    System.out.println(JSON.createObjectNode().put("tenant_id", id).put("token_id", tokenId).put("revoked", true));
                    return 0;
                }
            }
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Change a tenant's settings; prints them.")
    static final class Set implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--id", required = true, description = "tenant id") String id;
        @Option(names = "--require-signature", arity = "1", required = true,
                description = "true: ingest accepts only HMAC-signed requests (ingest tokens and Bearer are refused); false: also ingest tokens")
        String requireSignature;
        @Mixin StorageOptions storage;

        @Override
        public Integer call() {
            if (!"true".equals(requireSignature) && !"false".equals(requireSignature)) {
                throw new ParameterException(spec.commandLine(), "--require-signature must be true or false, got '" + requireSignature + "'");
            }
            try (Lakelog app = open(storage)) {
                requireTenant(spec, app.tenants(), id);
                app.tenants().setRequireSignature(id, Boolean.parseBoolean(requireSignature));
                System.out.println(JSON.createObjectNode().put("tenant_id", id).put("require_signature", app.tenants().requiresSignature(id)));
                return 0;
            }
        }
    }
}
