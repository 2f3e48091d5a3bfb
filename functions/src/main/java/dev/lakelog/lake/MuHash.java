package dev.lakelog.lake;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A multiset digest that rows can be added to and removed from (MuHash, Clarke et al. 2003, the
 * construction Bitcoin Core uses for its UTXO set): the digest of a multiset of row hashes is the
 * product, modulo the prime {@code p = 2^3072 - 1103717}, of each row's element
 * {@code e(h) = (SHA-512("lakelog.muhash.v1" || h || 0x00) || ... || SHA-512(... || 0x05)) mod p}
 * (six 64-byte blocks, 384 bytes, read big-endian). Removing a row multiplies by the inverse of its
 * element. The empty multiset is 1. Each chain entry records every changed tenant's digest of its
 * live rows after the commit, so verify can recompute it from the rows DuckLake returns now.
 */
public final class MuHash {
    static final BigInteger P = BigInteger.ONE.shiftLeft(3072).subtract(BigInteger.valueOf(1103717));
    private static final byte[] DOMAIN = "lakelog.muhash.v1".getBytes(StandardCharsets.US_ASCII);

    private static final BigInteger C = BigInteger.valueOf(1103717);
    private static final BigInteger MASK = BigInteger.ONE.shiftLeft(3072).subtract(BigInteger.ONE);

    /** {@code x mod p} for {@code 0 <= x < p^2}, using {@code 2^3072 = c (mod p)}: fold the high part, twice at most. */
    static BigInteger reduce(BigInteger x) {
        while (x.bitLength() > 3072) x = x.and(MASK).add(x.shiftRight(3072).multiply(C));
        return x.compareTo(P) >= 0 ? x.subtract(P) : x;
    }

    private BigInteger numerator = BigInteger.ONE;
    private BigInteger denominator = BigInteger.ONE;

    /** The digest of the empty multiset. */
    public MuHash() {}

    /** Continues from a digest recorded earlier ({@link #hex()}). */
    public static MuHash ofHex(String hex) {
        MuHash m = new MuHash();
        m.numerator = new BigInteger(hex, 16);
        return m;
    }

    static BigInteger element(byte[] rowHash) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] out = new byte[385];
        for (int i = 0; i < 6; i++) {
            d.update(DOMAIN);
            d.update(rowHash);
            d.update((byte) i);
            System.arraycopy(d.digest(), 0, out, 1 + 64 * i, 64);
        }
        return new BigInteger(out).mod(P);
    }

    public void add(byte[] rowHash) {
        numerator = reduce(numerator.multiply(element(rowHash)));
    }

    public void remove(byte[] rowHash) {
        denominator = reduce(denominator.multiply(element(rowHash)));
    }

    /** Adds everything {@code other} added and removes what it removed. */
    public void combine(MuHash other) {
        numerator = numerator.multiply(other.numerator).mod(P);
        denominator = denominator.multiply(other.denominator).mod(P);
    }

    /** The digest: 768 lower-case hex digits. */
    public String hex() {
        BigInteger v = denominator.equals(BigInteger.ONE) ? numerator : numerator.multiply(denominator.modInverse(P)).mod(P);
        String h = v.toString(16);
        return "0".repeat(768 - h.length()) + h;
    }
}
