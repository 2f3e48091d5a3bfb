package dev.lakelog.lake;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The Merkle tree over a set of row hashes (docs/integrity.md): the leaves are the canonical row
 * hashes sorted in unsigned byte order (so the root does not depend on the order rows were written
 * or merged in); the tree is RFC 6962's: {@code leaf = SHA-256(0x00 || row_hash)},
 * {@code node = SHA-256(0x01 || left || right)}, the left subtree holding the largest power of two
 * strictly below the number of leaves; the root of no rows is {@code SHA-256("")}.
 */
public final class Merkle {
    private Merkle() {}

    /** The root over {@code rowHashes} (sorted here; the list is sorted in place). */
    public static byte[] root(List<byte[]> rowHashes) {
        rowHashes.sort(CanonicalRow::compare);
        if (rowHashes.isEmpty()) return CanonicalRow.sha256().digest();
        return node(CanonicalRow.sha256(), rowHashes, 0, rowHashes.size());
    }

    private static byte[] node(List<byte[]> leaves, int from, int to) {
        return node(CanonicalRow.sha256(), leaves, from, to);
    }

    /** One digest for the whole tree (a {@code MessageDigest} per node cost more than the hashing). */
    private static byte[] node(MessageDigest d, List<byte[]> leaves, int from, int to) {
        int n = to - from;
        if (n == 1) {
            d.update((byte) 0);
            return d.digest(leaves.get(from));
        }
        int k = Integer.highestOneBit(n - 1);
        byte[] left = node(d, leaves, from, from + k);
        byte[] right = node(d, leaves, from + k, to);
        d.update((byte) 1);
        d.update(left);
        return d.digest(right);
    }

    static byte[] leaf(byte[] rowHash) {
        MessageDigest d = CanonicalRow.sha256();
        d.update((byte) 0);
        return d.digest(rowHash);
    }

    static byte[] parent(byte[] left, byte[] right) {
        MessageDigest d = CanonicalRow.sha256();
        d.update((byte) 1);
        d.update(left);
        return d.digest(right);
    }

    /** One step of an audit path: the sibling's hash and whether it is on the left. */
    public record Step(byte[] sibling, boolean left) {}

    /** The audit path of leaf {@code index} among the sorted {@code sortedRowHashes}, leaf to root. */
    public static List<Step> path(List<byte[]> sortedRowHashes, int index) {
        List<Step> steps = new ArrayList<>();
        path(sortedRowHashes, 0, sortedRowHashes.size(), index, steps);
        return steps;
    }

    private static void path(List<byte[]> leaves, int from, int to, int index, List<Step> out) {
        int n = to - from;
        if (n == 1) return;
        int k = Integer.highestOneBit(n - 1);
        if (index < from + k) {
            path(leaves, from, from + k, index, out);
            out.add(new Step(node(leaves, from + k, to), false));
        } else {
            path(leaves, from + k, to, index, out);
            out.add(new Step(node(leaves, from, from + k), true));
        }
    }
}
