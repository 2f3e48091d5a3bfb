package dev.lakelog.lake;

import dev.lakelog.segment.LogEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The canonical hash of one row of {@code lake.main.logs}, defined once (docs/integrity.md gives
 * the byte layout): {@code SHA-256("lakelog.row.v1" || column_1 || ... || column_23)}, the columns
 * in {@link LakeSchema#LOGS_COLUMNS} order, each encoded as
 * <ul>
 *   <li>NULL: {@code 0x00}
 *   <li>VARCHAR: {@code 0x01}, the UTF-8 byte length as an unsigned 32-bit big-endian integer, the UTF-8 bytes
 *   <li>TIMESTAMPTZ: {@code 0x02}, epoch microseconds UTC as a signed 64-bit big-endian integer
 *   <li>VARCHAR[]: {@code 0x03}, the element count (u32 BE), then each element as NULL or VARCHAR above
 * </ul>
 * It is computed from a {@link LogEvent} (with its rollup time and segment key) and from a row read
 * back from Parquet ({@link #SELECT_LIST}, {@link #hash(ResultSet, int)}); both give the same bytes.
 */
public final class CanonicalRow {
    private CanonicalRow() {}

    public static final String PREFIX = "lakelog.row.v1";

    /** Column kinds in table order. */
    enum Kind { S, T, L }

    /** The 23 columns of {@link LakeSchema#LOGS_COLUMNS}, in order, with their kind. */
    static final List<String> COLUMNS = List.of("tenant_id", "log_id", "\"timestamp\"", "event_type", "outcome", "severity",
            "sensitivity", "actor_id", "component", "environment", "resource", "message", "payload", "policy_tags", "session_id",
            "request_id", "source_ip", "retention_until", "ingested_at", "archived_at", "segment_key", "trace_id", "span_id");

    static final Kind[] KINDS = {Kind.S, Kind.S, Kind.T, Kind.S, Kind.S, Kind.S, Kind.S, Kind.S, Kind.S, Kind.S, Kind.S, Kind.S,
            Kind.S, Kind.L, Kind.S, Kind.S, Kind.S, Kind.T, Kind.T, Kind.T, Kind.S, Kind.S, Kind.S};

    /** The SELECT expressions that read a row in canonical form (timestamps as epoch microseconds). */
    public static final String SELECT_LIST = selectList(List.copyOf(COLUMNS));

    /** As {@link #SELECT_LIST}, with NULL for columns a Parquet file does not have (written before they were added). */
    static String selectList(List<String> present) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < COLUMNS.size(); i++) {
            if (i > 0) sb.append(", ");
            String c = COLUMNS.get(i);
            if (!present.contains(c)) sb.append("NULL");
            else if (KINDS[i] == Kind.T) sb.append("epoch_us(").append(c).append(")");
            else sb.append(c);
        }
        return sb.toString();
    }

    /**
     * The same canonical hash computed by DuckDB ({@code sha256} over the canonical bytes built in
     * SQL, vectorised): one hex VARCHAR per row. {@code CanonicalRowTest} checks it gives the bytes
     * of {@link #bytes} for every kind of value.
     */
    public static final String SQL_HASH = sqlHash(List.copyOf(COLUMNS));

    /** As {@link #SQL_HASH}, with NULL for columns a Parquet file does not have. */
    static String sqlHash(List<String> present) {
        StringBuilder sb = new StringBuilder("sha256('" + PREFIX + "'::BLOB");
        for (int i = 0; i < COLUMNS.size(); i++) {
            String c = COLUMNS.get(i);
            sb.append(" || ");
            if (!present.contains(c)) {
                sb.append("'\\x00'::BLOB");
                continue;
            }
            switch (KINDS[i]) {
                case S -> sb.append(sqlString(c));
                case T -> sb.append("CASE WHEN ").append(c).append(" IS NULL THEN '\\x00'::BLOB ELSE '\\x02'::BLOB || from_hex(lpad(to_hex(epoch_us(")
                        .append(c).append(")), 16, '0')) END");
                case L -> sb.append("CASE WHEN ").append(c).append(" IS NULL THEN '\\x00'::BLOB ELSE '\\x03'::BLOB || from_hex(lpad(to_hex(len(")
                        .append(c).append(")), 8, '0')) || CASE WHEN len(").append(c).append(") = 0 THEN ''::BLOB ELSE list_reduce(list_transform(")
                        .append(c).append(", lambda x: ").append(sqlString("x")).append("), lambda p, q: p || q) END END");
            }
        }
        return sb.append(")").toString();
    }

    private static String sqlString(String c) {
        return "CASE WHEN " + c + " IS NULL THEN '\\x00'::BLOB ELSE '\\x01'::BLOB || from_hex(lpad(to_hex(octet_length(encode(" + c
                + "))), 8, '0')) || encode(" + c + ") END";
    }

    /** The canonical hash of the row at columns {@code first .. first+22} of {@code rs} (read with {@link #SELECT_LIST}). */
    public static byte[] hash(ResultSet rs, int first) throws SQLException {
        Object[] values = new Object[COLUMNS.size()];
        for (int i = 0; i < values.length; i++) {
            int col = first + i;
            switch (KINDS[i]) {
                case S -> values[i] = rs.getString(col);
                case T -> {
                    long v = rs.getLong(col);
                    values[i] = rs.wasNull() ? null : v;
                }
                case L -> {
                    Array a = rs.getArray(col);
                    if (a == null) {
                        values[i] = null;
                    } else {
                        Object[] items = (Object[]) a.getArray();
                        List<String> l = new ArrayList<>(items.length);
                        for (Object o : items) l.add(o == null ? null : o.toString());
                        values[i] = l;
                    }
                }
            }
        }
        return hash(values);
    }

    /** The canonical hash of an event as rolled up at {@code archivedAtMicros} from {@code segmentKey}. */
    public static byte[] hash(LogEvent e, long archivedAtMicros, String segmentKey) {
        return hash(new Object[] {e.tenantId(), e.logId(), e.timestampMicros(), e.eventType(), e.outcome(), e.severity(),
            e.sensitivity(), e.actorId(), e.component(), e.environment(), e.resource(), e.message(), e.payload(), e.policyTags(),
            e.sessionId(), e.requestId(), e.sourceIp(), e.retentionUntilMicros(), e.ingestedAtMicros(), archivedAtMicros, segmentKey,
            e.traceId(), e.spanId()});
    }

    /** The canonical bytes (before hashing) of 23 values in table order. */
    static byte[] bytes(Object[] values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(PREFIX.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            if (v == null) {
                out.write(0);
                continue;
            }
            switch (KINDS[i]) {
                case S -> string(out, (String) v);
                case T -> {
                    out.write(2);
                    long x = (Long) v;
                    for (int s = 56; s >= 0; s -= 8) out.write((int) (x >>> s) & 0xff);
                }
                case L -> {
                    @SuppressWarnings("unchecked")
                    List<String> l = (List<String>) v;
                    out.write(3);
                    u32(out, l.size());
                    for (String item : l) {
                        if (item == null) out.write(0);
                        else string(out, item);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    static byte[] hash(Object[] values) {
        return sha256().digest(bytes(values));
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(1);
        u32(out, b.length);
        out.writeBytes(b);
    }

    private static void u32(ByteArrayOutputStream out, int n) {
        out.write((n >>> 24) & 0xff);
        out.write((n >>> 16) & 0xff);
        out.write((n >>> 8) & 0xff);
        out.write(n & 0xff);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lower-case hex. */
    public static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        return sb.toString();
    }

    public static byte[] unhex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) (nibble(s, 2 * i) << 4 | nibble(s, 2 * i + 1));
        return out;
    }

    private static int nibble(String s, int i) {
        int v = Character.digit(s.charAt(i), 16);
        if (v < 0) throw new NumberFormatException("not a hex digit at " + i + ": " + s);
        return v;
    }

    /** Unsigned lexicographic order of hashes: how the leaves of a row Merkle tree are sorted. */
    static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }
}
