package dev.lakelog.auth;

import java.util.Locale;

/** A tenant's plan: free tenants ingest and read the hot tier; paid tenants also use analytics. */
public enum Tier {
    FREE, PAID;

    public static Tier parse(String s) {
        try {
            return Tier.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("tier must be 'free' or 'paid', got '" + s + "'");
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
