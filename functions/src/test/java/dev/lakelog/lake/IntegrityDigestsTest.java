package dev.lakelog.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fast paths of the integrity digests (issue 13: the rollup spent most of its time here) give
 * exactly the values of their definitions in docs/integrity.md, computed here the slow, literal way.
 */
class IntegrityDigestsTest {

    /** The multiset digest by its definition: the product mod p of each element, one row at a time, inverse for removed rows. */
    static String referenceMuHash(List<byte[]> added, List<byte[]> removed) {
        BigInteger num = BigInteger.ONE;
        BigInteger den = BigInteger.ONE;
        for (byte[] h : added) num = num.multiply(referenceElement(h)).mod(MuHash.P);
        for (byte[] h : removed) den = den.multiply(referenceElement(h)).mod(MuHash.P);
        String hex = num.multiply(den.modInverse(MuHash.P)).mod(MuHash.P).toString(16);
        return "0".repeat(768 - hex.length()) + hex;
    }

    static BigInteger referenceElement(byte[] h) {
        byte[] out = new byte[385];
        for (int i = 0; i < 6; i++) {
            MessageDigest d = sha512();
            d.update("lakelog.muhash.v1".getBytes(StandardCharsets.US_ASCII));
            d.update(h);
            d.update((byte) i);
            System.arraycopy(d.digest(), 0, out, 1 + 64 * i, 64);
        }
        return new BigInteger(out).mod(MuHash.P);
    }

    static byte[] referenceMerkle(List<byte[]> sorted, int from, int to) {
        int n = to - from;
        if (n == 1) return sha256((byte) 0, sorted.get(from));
        int k = Integer.highestOneBit(n - 1);
        byte[] l = referenceMerkle(sorted, from, from + k);
        byte[] r = referenceMerkle(sorted, from + k, to);
        byte[] both = new byte[64];
        System.arraycopy(l, 0, both, 0, 32);
        System.arraycopy(r, 0, both, 32, 32);
        return sha256((byte) 1, both);
    }

    static List<byte[]> rowHashes(int n, String salt) {
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(CanonicalRow.sha256().digest((salt + i).getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void the_live_digest_folded_on_every_core_equals_the_product_taken_one_row_at_a_time() {
        // more rows than one fold, and removals that are folded separately
        List<byte[]> added = rowHashes(MuHash.FOLD_AT * 2 + 777, "row-");
        List<byte[]> removed = added.subList(100, 1_300);
        MuHash m = new MuHash();
        for (byte[] h : added) m.add(h);
        for (byte[] h : removed) m.remove(h);
        assertThat(m.hex()).isEqualTo(referenceMuHash(added, removed));
    }

    @Test
    void a_digest_continued_from_its_hex_and_combined_with_another_equals_the_whole_multiset() {
        List<byte[]> first = rowHashes(1_000, "a-");
        List<byte[]> second = rowHashes(MuHash.FOLD_AT + 5, "b-");
        MuHash a = new MuHash();
        first.forEach(a::add);
        MuHash later = MuHash.ofHex(a.hex());
        MuHash change = new MuHash();
        second.forEach(change::add);
        later.combine(change);
        List<byte[]> all = new ArrayList<>(first);
        all.addAll(second);
        assertThat(later.hex()).isEqualTo(referenceMuHash(all, List.of()));
    }

    @Test
    void a_row_hash_changed_by_its_caller_after_adding_does_not_change_the_digest() {
        byte[] h = CanonicalRow.sha256().digest("x".getBytes(StandardCharsets.UTF_8));
        String expected = referenceMuHash(List.of(h.clone()), List.of());
        MuHash m = new MuHash();
        m.add(h);
        h[0] ^= 1;
        assertThat(m.hex()).isEqualTo(expected);
    }

    @Test
    void the_merkle_root_equals_rfc_6962_computed_node_by_node() {
        for (int n : new int[] {1, 2, 3, 5, 8, 1_000, 4_097}) {
            List<byte[]> rows = rowHashes(n, "m" + n + "-");
            List<byte[]> sorted = new ArrayList<>(rows);
            sorted.sort(CanonicalRow::compare);
            assertThat(HexFormat.of().formatHex(Merkle.root(rows))).as("%d leaves", n)
                    .isEqualTo(HexFormat.of().formatHex(referenceMerkle(sorted, 0, n)));
        }
    }

    @Test
    void hex_decoding_of_row_hashes_accepts_both_cases_and_refuses_anything_else() {
        byte[] h = CanonicalRow.sha256().digest("y".getBytes(StandardCharsets.UTF_8));
        String hex = HexFormat.of().formatHex(h);
        assertThat(CanonicalRow.unhex(hex)).isEqualTo(h);
        assertThat(CanonicalRow.unhex(hex.toUpperCase())).isEqualTo(h);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CanonicalRow.unhex("zz"))
                .isInstanceOf(NumberFormatException.class);
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte prefix, byte[] data) {
        MessageDigest d = CanonicalRow.sha256();
        d.update(prefix);
        return d.digest(data);
    }
}
