package dev.lakelog.auth;

/** An authenticated caller. */
public record Tenant(String id, Tier tier) {
    public static boolean validId(String id) {
        return id != null && id.matches("[a-z0-9][a-z0-9_-]{0,62}");
    }
}
