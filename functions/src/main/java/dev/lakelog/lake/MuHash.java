package dev.lakelog.lake;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

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
    /**
     * Row hashes added / removed and not multiplied in yet. The product is order-free, so rows are
     * folded in {@link #FOLD_AT} at a time, on every core ({@link #product}): the same digest as
     * multiplying one by one, spread over the free cores, with memory bounded by one fold.
     */
    private final List<byte[]> pendingAdd = new ArrayList<>();
    private final List<byte[]> pendingRemove = new ArrayList<>();

    /** Rows buffered before a (parallel) fold: 16,384 row hashes are about 1 MB. */
    static final int FOLD_AT = 16_384;
    /** Rows per task of a fold: one task costs a few ms, far above the fork/join overhead. */
    private static final int TASK_ROWS = 512;

    /** The digest of the empty multiset. */
    public MuHash() {}

    /** Continues from a digest recorded earlier ({@link #hex()}). */
    public static MuHash ofHex(String hex) {
        MuHash m = new MuHash();
        m.numerator = new BigInteger(hex, 16);
        return m;
    }

    static BigInteger element(byte[] rowHash) {
        return element(sha512(), rowHash);
    }

    private static BigInteger element(MessageDigest d, byte[] rowHash) {
        byte[] out = new byte[385];
        for (int i = 0; i < 6; i++) {
            d.update(DOMAIN);
            d.update(rowHash);
            d.update((byte) i);
            System.arraycopy(d.digest(), 0, out, 1 + 64 * i, 64);
        }
        // 0 <= x < 2^3072 < 2p: one subtraction is the same as mod p, without a division
        BigInteger x = new BigInteger(out);
        return x.compareTo(P) >= 0 ? x.subtract(P) : x;
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The product mod p of the elements of {@code rowHashes}, computed on every core. */
    static BigInteger product(List<byte[]> rowHashes) {
        int n = rowHashes.size();
        if (n == 0) return BigInteger.ONE;
        int tasks = (n + TASK_ROWS - 1) / TASK_ROWS;
        return java.util.stream.IntStream.range(0, tasks).parallel().mapToObj(t -> {
            MessageDigest d = sha512();
            BigInteger acc = BigInteger.ONE;
            for (int i = t * TASK_ROWS, end = Math.min(n, i + TASK_ROWS); i < end; i++) acc = reduce(acc.multiply(element(d, rowHashes.get(i))));
            return acc;
        }).reduce(BigInteger.ONE, (a, b) -> reduce(a.multiply(b)));
    }

    public void add(byte[] rowHash) {
        pendingAdd.add(rowHash.clone());
        if (pendingAdd.size() >= FOLD_AT) fold();
    }

    public void remove(byte[] rowHash) {
        pendingRemove.add(rowHash.clone());
        if (pendingRemove.size() >= FOLD_AT) fold();
    }

    private void fold() {
        if (!pendingAdd.isEmpty()) {
            numerator = reduce(numerator.multiply(product(pendingAdd)));
            pendingAdd.clear();
        }
        if (!pendingRemove.isEmpty()) {
            denominator = reduce(denominator.multiply(product(pendingRemove)));
            pendingRemove.clear();
        }
    }

    /** Adds everything {@code other} added and removes what it removed. */
    public void combine(MuHash other) {
        fold();
        other.fold();
        numerator = numerator.multiply(other.numerator).mod(P);
        denominator = denominator.multiply(other.denominator).mod(P);
    }

    /** The digest: 768 lower-case hex digits. */
    public String hex() {
        fold();
        BigInteger v = denominator.equals(BigInteger.ONE) ? numerator : numerator.multiply(denominator.modInverse(P)).mod(P);
        String h = v.toString(16);
        return "0".repeat(768 - h.length()) + h;
    }
}
