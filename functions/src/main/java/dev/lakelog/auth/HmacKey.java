package dev.lakelog.auth;

/** An HMAC signing key of a tenant. The secret is never logged or returned after creation. */
public record HmacKey(String keyId, String tenantId, String secret, boolean active) {
    @Override
    public String toString() {
        return "HmacKey[keyId=" + keyId + ", tenantId=" + tenantId + ", active=" + active + "]";
    }
}
