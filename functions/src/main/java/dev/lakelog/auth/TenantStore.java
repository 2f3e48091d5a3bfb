package dev.lakelog.auth;

import java.util.List;
import java.util.Optional;

/**
 * Tenants, their Bearer tokens (stored as SHA-256 hashes) and their HMAC keys. DynamoDB in AWS
 * ({@code aws.DynamoTenantStore}), a JSON file in local mode ({@code local.FileTenantStore}).
 */
public interface TenantStore {

    Optional<Tenant> tenant(String tenantId);

    Optional<Tenant> tenantByTokenHash(String tokenHash);

    Optional<HmacKey> hmacKey(String keyId);

    List<Tenant> tenants();

    List<HmacKey> keysOf(String tenantId);

    /** Creates the tenant; fails with IllegalStateException if it exists. */
    void createTenant(Tenant tenant);

    /** Makes sure the tenant exists with this tier (creates it if missing); used for the dev tenant at start. */
    default void ensureTenant(Tenant tenant) {
        if (tenant(tenant.id()).isEmpty()) createTenant(tenant);
    }

    void addToken(String tenantId, String tokenHash);

    void addHmacKey(HmacKey key);

    void deactivateKey(String keyId);

    /** Removes the tenant's tokens (ingest tokens too) and keys and marks it revoked: it can no longer authenticate. */
    void revokeTenant(String tenantId);

    /**
     * Operator tokens (stored as SHA-256 hashes, like tenant tokens): the credential for lake-wide
     * maintenance, held by the platform team, not by any tenant. {@code name} says whose it is.
     */
    void addOperatorToken(String tokenHash, String name);

    /** The name of the operator token with this hash, if it exists. */
    Optional<String> operatorByTokenHash(String tokenHash);

    /** Removes every operator token of this name; returns how many. */
    int revokeOperatorTokens(String name);

    /** Stores a write-only ingest token of a tenant (its hash; several may be active at once). */
    void addIngestToken(IngestToken token, String tokenHash);

    /** The ingest token with this hash, if it exists and its tenant is not revoked. */
    Optional<IngestToken> ingestTokenByHash(String tokenHash);

    /** The tenant's ingest tokens (ids, names, creation times; never hashes), oldest first. */
    List<IngestToken> ingestTokensOf(String tenantId);

    /** Removes one ingest token of the tenant; false if the tenant has no token of that id. */
    boolean revokeIngestToken(String tenantId, String tokenId);

    /** The tenant setting {@code require_signature}: when true, ingest accepts only HMAC-signed bodies. */
    boolean requiresSignature(String tenantId);

    void setRequireSignature(String tenantId, boolean required);
}
