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

    /** Removes the tenant's tokens and keys and marks it revoked: it can no longer authenticate. */
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
}
