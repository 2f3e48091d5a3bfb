package dev.lakelog.segment;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The few CBOR (RFC 8949) items a segment is made of, written straight into a growable byte array:
 * text strings, unsigned and negative integers, byte strings, and indefinite-length maps and arrays
 * (the same structure Jackson's {@code CBORGenerator} writes, so every CBOR reader, Jackson's
 * included, reads it alike). Heads are in their shortest form. No per-item objects are allocated:
 * ASCII text is copied char by char, other text goes through one {@code getBytes(UTF_8)}.
 */
final class CborWriter {
    private byte[] buf;
    private int len;

    CborWriter(int capacity) {
        buf = new byte[Math.max(capacity, 64)];
    }

    int size() {
        return len;
    }

    byte[] array() {
        return buf;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }

    void startMap() {
        ensure(1);
        buf[len++] = (byte) 0xBF;
    }

    void startArray() {
        ensure(1);
        buf[len++] = (byte) 0x9F;
    }

    void end() {
        ensure(1);
        buf[len++] = (byte) 0xFF;
    }

    private void head(int major, long value) {
        ensure(9);
        int m = major << 5;
        if (value < 24) {
            buf[len++] = (byte) (m | (int) value);
        } else if (value < 0x100) {
            buf[len++] = (byte) (m | 24);
            buf[len++] = (byte) value;
        } else if (value < 0x10000) {
            buf[len++] = (byte) (m | 25);
            buf[len++] = (byte) (value >>> 8);
            buf[len++] = (byte) value;
        } else if (value < 0x1_0000_0000L) {
            buf[len++] = (byte) (m | 26);
            for (int s = 24; s >= 0; s -= 8) buf[len++] = (byte) (value >>> s);
        } else {
            buf[len++] = (byte) (m | 27);
            for (int s = 56; s >= 0; s -= 8) buf[len++] = (byte) (value >>> s);
        }
    }

    void number(long v) {
        if (v >= 0) head(0, v);
        else head(1, -1L - v);
    }

    void text(String s) {
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            head(3, n);
            ensure(n);
            for (int i = 0; i < n; i++) buf[len + i] = (byte) s.charAt(i);
            len += n;
        } else {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            head(3, b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
        }
    }

    /** The head of a byte string of {@code n} bytes, which the caller appends itself. */
    void bytesHead(int n) {
        head(2, n);
    }

    void bytes(byte[] b, int off, int n) {
        head(2, n);
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    /** Appends raw, already-encoded CBOR. */
    void raw(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    void field(String name, String value) {
        if (value == null) return;
        text(name);
        text(value);
    }

    void field(String name, long value) {
        text(name);
        number(value);
    }
}
