package dev.lakelog.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Generates and hashes credentials. */
public final class Secrets {
    private static volatile SecureRandom RANDOM = new SecureRandom();

    private Secrets() {}

    /**
     * A new generator, drawn from the system's entropy now: called after a SnapStart restore
     * (handler.LambdaApp), so that environments resumed from one snapshot never share a generator's state.
     */
    public static void reseed() {
        RANDOM = new SecureRandom();
    }

    public static String newToken() {
        return "llt_" + randomHex(32);
    }

    /** An operator token: lake-wide maintenance, never tenant data. */
    public static String newOperatorToken() {
        return "llo_" + randomHex(32);
    }

    /** A write-only ingest token (docs/producers.md); the prefix tells it apart from read tokens in a config file. */
    public static String newIngestToken() {
        return "lli_" + randomHex(32);
    }

    public static String newIngestTokenId() {
        return "it_" + randomHex(8);
    }

    public static String newHmacSecret() {
        return "lls_" + randomHex(32);
    }

    public static String newKeyId() {
        return "k_" + randomHex(8);
    }

    public static String tokenHash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
