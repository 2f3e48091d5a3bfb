package dev.lakelog.local;

import dev.lakelog.auth.Tier;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.HmacKey;
import dev.lakelog.auth.IngestToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link TenantStore} for local mode: one JSON file ({@code <data-dir>/tenants.json}), rewritten
 * atomically on every change and re-read when it changed on disk (so {@code lakelog tenant}
 * commands and a running server see each other's changes). Token hashes only, never tokens.
 */
public final class FileTenantStore implements TenantStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Path file;
    private State state = new State();
    private long loadedModified = -1;

    public static final class State {
        public Map<String, TenantRecord> tenants = new LinkedHashMap<>();
        public Map<String, KeyRecord> keys = new LinkedHashMap<>();
        public Map<String, String> tokens = new LinkedHashMap<>();
        /** operator token hash -> operator name */
        public Map<String, String> operators = new LinkedHashMap<>();
        /** ingest token hash -> the token's tenant, id, name and creation time */
        public Map<String, IngestTokenRecord> ingest_tokens = new LinkedHashMap<>();
    }

    public static final class TenantRecord {
        public String tier;
        public String status = "active";
        public boolean require_signature;
    }

    public static final class IngestTokenRecord {
        public String tenant_id;
        public String id;
        public String name;
        public String created_at;

        IngestToken toToken() {
            return new IngestToken(id, tenant_id, name, java.time.Instant.parse(created_at));
        }
    }

    public static final class KeyRecord {
        public String tenant_id;
        public String secret;
        public boolean active;
    }

    public FileTenantStore(Path file) {
        this.file = file;
        PrivateFiles.file(file); // written by an older version with the default umask
    }

    private synchronized State read() {
        try {
            if (!Files.exists(file)) return state;
            long m = Files.getLastModifiedTime(file).toMillis() ^ Files.size(file);
            if (m != loadedModified) {
                state = JSON.readValue(file.toFile(), State.class);
                loadedModified = m;
            }
            return state;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tenant store " + file, e);
        }
    }

    private synchronized void write() {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = PrivateFiles.createTemp(file.toAbsolutePath().getParent(), file.getFileName() + ".");
            JSON.writeValue(tmp.toFile(), state);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            loadedModified = Files.getLastModifiedTime(file).toMillis() ^ Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tenant store " + file, e);
        }
    }

    @Override
    public synchronized Optional<Tenant> tenant(String tenantId) {
        TenantRecord r = read().tenants.get(tenantId);
        return r == null || "revoked".equals(r.status) ? Optional.empty() : Optional.of(new Tenant(tenantId, Tier.parse(r.tier)));
    }

    @Override
    public synchronized Optional<Tenant> tenantByTokenHash(String tokenHash) {
        String t = read().tokens.get(tokenHash);
        return t == null ? Optional.empty() : tenant(t);
    }

    @Override
    public synchronized Optional<HmacKey> hmacKey(String keyId) {
        KeyRecord k = read().keys.get(keyId);
        return k == null ? Optional.empty() : Optional.of(new HmacKey(keyId, k.tenant_id, k.secret, k.active));
    }

    @Override
    public synchronized void addOperatorToken(String tokenHash, String name) {
        read().operators.put(tokenHash, name);
        write();
    }

    @Override
    public synchronized Optional<String> operatorByTokenHash(String tokenHash) {
        return Optional.ofNullable(read().operators.get(tokenHash));
    }

    @Override
    public synchronized int revokeOperatorTokens(String name) {
        int before = read().operators.size();
        state.operators.values().removeIf(name::equals);
        int n = before - state.operators.size();
        if (n > 0) write();
        return n;
    }

    @Override
    public synchronized List<Tenant> tenants() {
        List<Tenant> out = new ArrayList<>();
        read().tenants.forEach((id, r) -> {
            if (!"revoked".equals(r.status)) out.add(new Tenant(id, Tier.parse(r.tier)));
        });
        return out;
    }

    @Override
    public synchronized List<HmacKey> keysOf(String tenantId) {
        List<HmacKey> out = new ArrayList<>();
        read().keys.forEach((id, k) -> {
            if (k.tenant_id.equals(tenantId)) out.add(new HmacKey(id, k.tenant_id, k.secret, k.active));
        });
        return out;
    }

    @Override
    public synchronized void createTenant(Tenant tenant) {
        if (read().tenants.containsKey(tenant.id())) {
            throw new IllegalStateException("tenant '" + tenant.id() + "' already exists");
        }
        TenantRecord r = new TenantRecord();
        r.tier = tenant.tier().wireName();
        state.tenants.put(tenant.id(), r);
        write();
    }

    /** Creates or updates the tenant in place (the dev tenant at start, even if it was revoked). */
    @Override
    public synchronized void ensureTenant(Tenant tenant) {
        TenantRecord r = new TenantRecord();
        r.tier = tenant.tier().wireName();
        TenantRecord old = read().tenants.get(tenant.id());
        r.require_signature = old != null && old.require_signature;
        state.tenants.put(tenant.id(), r);
        write();
    }

    @Override
    public synchronized void addToken(String tenantId, String tokenHash) {
        read().tokens.put(tokenHash, tenantId);
        write();
    }

    @Override
    public synchronized void addHmacKey(HmacKey key) {
        KeyRecord k = new KeyRecord();
        k.tenant_id = key.tenantId();
        k.secret = key.secret();
        k.active = key.active();
        read().keys.put(key.keyId(), k);
        write();
    }

    @Override
    public synchronized void deactivateKey(String keyId) {
        KeyRecord k = read().keys.get(keyId);
        if (k == null) throw new IllegalStateException("no key '" + keyId + "'");
        k.active = false;
        write();
    }

    @Override
    public synchronized void revokeTenant(String tenantId) {
        State s = read();
        TenantRecord r = s.tenants.get(tenantId);
        if (r == null) throw new IllegalStateException("no tenant '" + tenantId + "'");
        r.status = "revoked";
        s.keys.values().removeIf(k -> k.tenant_id.equals(tenantId));
        s.tokens.values().removeIf(t -> t.equals(tenantId));
        s.ingest_tokens.values().removeIf(t -> t.tenant_id.equals(tenantId));
        write();
    }

    @Override
    public synchronized void addIngestToken(IngestToken token, String tokenHash) {
        IngestTokenRecord r = new IngestTokenRecord();
        r.tenant_id = token.tenantId();
        r.id = token.id();
        r.name = token.name();
        r.created_at = token.createdAt().toString();
        read().ingest_tokens.put(tokenHash, r);
        write();
    }

    @Override
    public synchronized Optional<IngestToken> ingestTokenByHash(String tokenHash) {
        IngestTokenRecord r = read().ingest_tokens.get(tokenHash);
        return r == null || tenant(r.tenant_id).isEmpty() ? Optional.empty() : Optional.of(r.toToken());
    }

    @Override
    public synchronized List<IngestToken> ingestTokensOf(String tenantId) {
        return read().ingest_tokens.values().stream().filter(r -> r.tenant_id.equals(tenantId)).map(IngestTokenRecord::toToken)
                .sorted(java.util.Comparator.comparing(IngestToken::createdAt).thenComparing(IngestToken::id)).toList();
    }

    @Override
    public synchronized boolean revokeIngestToken(String tenantId, String tokenId) {
        boolean removed = read().ingest_tokens.values().removeIf(r -> r.tenant_id.equals(tenantId) && r.id.equals(tokenId));
        if (removed) write();
        return removed;
    }

    @Override
    public synchronized boolean requiresSignature(String tenantId) {
        TenantRecord r = read().tenants.get(tenantId);
        return r != null && r.require_signature;
    }

    @Override
    public synchronized void setRequireSignature(String tenantId, boolean required) {
        TenantRecord r = read().tenants.get(tenantId);
        if (r == null || "revoked".equals(r.status)) throw new IllegalStateException("no tenant '" + tenantId + "'");
        r.require_signature = required;
        write();
    }
}
