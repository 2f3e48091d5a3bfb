package dev.lakelog.ingest.drop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.StrictJson;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.idempotency.IdempotencyStore;
import dev.lakelog.ingest.EventValidator;
import dev.lakelog.ingest.FieldError;
import dev.lakelog.ingest.OtlpMapper;
import dev.lakelog.ingest.OtlpProtobuf;
import dev.lakelog.log.JsonLog;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.storage.BlobStore;
import dev.lakelog.storage.StorageException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The drop folder (docs/ingest.md, "Drop folder"): a file under {@code incoming/tenant=<t>/} of the
 * data store becomes events in the hot tier, through the same {@link EventValidator} as HTTP
 * ingest, or is quarantined whole. The S3 event handler and the local watcher both call
 * {@link #process}; a file is processed exactly once however often it is announced:
 * <ol>
 *   <li>the file is identified by tenant, key and ETag (content), and its record in the
 *       idempotency store ({@code drop#...}) says whether it was done already; done: the source is
 *       removed again and nothing else happens;</li>
 *   <li>pass 1 streams the whole file (gzip undone on the fly) through the validator, writing
 *       nothing; any problem quarantines the file with a note ({@code quarantine/tenant=<t>/incoming/...}
 *       and {@code ....error.json}) and no event of it is written;</li>
 *   <li>pass 2 streams it again (S3 {@code If-Match} on the same ETag) and writes segments of the
 *       usual size whose keys, log ids and contents are derived from the file (key, ETag, last
 *       modified, position): a retry after a crash, or a second delivery running at the same time,
 *       writes the very same objects, and rollup's ledger keeps each once;</li>
 *   <li>the record is completed, then the source is deleted.</li>
 * </ol>
 */
public final class DropFolderService {
    public static final String ROOT = "incoming/";
    public static final String QUARANTINE = "quarantine/";
    private static final Pattern KEY = Pattern.compile("incoming/tenant=([^/]+)/(.+)");
    private static final JsonLog LOG = JsonLog.get(DropFolderService.class);

    /** What happened to one file. */
    public enum Status { INGESTED, QUARANTINED, DUPLICATE, GONE, IGNORED }

    /** The answer for one file: events and segments written, or where its quarantine note is and why. */
    public record Outcome(String key, Status status, long events, List<String> segments, String quarantineKey, String detail) {}

    /** Limits: see {@code LakelogConfig.DropFolder}. */
    public record Limits(long maxObjectBytes, Duration dedupWindow) {}

    private final BlobStore store;
    private final TenantStore tenants;
    private final IdempotencyStore idempotency;
    private final SegmentCodec codec;
    private final Clock clock;
    private final long segmentMaxBytes;
    private final Limits limits;
    private final Path tempDir;
    private final ObjectMapper json = StrictJson.mapper();
    private final EventValidator validator = new EventValidator(json);
    private final OtlpMapper otlp = new OtlpMapper(json);
    private final OtlpProtobuf protobuf = new OtlpProtobuf(json);

    public DropFolderService(BlobStore store, TenantStore tenants, IdempotencyStore idempotency, SegmentCodec codec, Clock clock,
                             long segmentMaxBytes, Limits limits, Path tempDir) {
        this.store = store;
        this.tenants = tenants;
        this.idempotency = idempotency;
        this.codec = codec;
        this.clock = clock;
        this.segmentMaxBytes = segmentMaxBytes;
        this.limits = limits;
        this.tempDir = tempDir;
    }

    /** True for a key this folder reads (under {@code incoming/tenant=<t>/}, not a folder marker, not hidden). */
    public static boolean isDropKey(String key) {
        if (!KEY.matcher(key).matches() || key.endsWith("/")) return false;
        String name = key.substring(key.lastIndexOf('/') + 1);
        return !name.startsWith(".");
    }

    /**
     * Processes one file. {@code etag} is the ETag the announcement names (S3 event), or null to take
     * the object's current one; {@code deadline} bounds how long a duplicate waits for this run.
     * A storage failure is thrown (the caller retries; the outputs of a retry are the same objects);
     * a bad file is not an exception but {@link Status#QUARANTINED}.
     */
    public Outcome process(String key, String etag, Instant deadline) {
        Matcher m = KEY.matcher(key);
        if (!m.matches() || !isDropKey(key)) {
            LOG.info("drop_ignored", "key", key, "reason", "not a file under incoming/tenant=<tenant>/");
            return new Outcome(key, Status.IGNORED, 0, List.of(), null, "not a file under incoming/tenant=<tenant>/");
        }
        String tenantId = m.group(1);
        String rest = m.group(2);
        // The ETag the announcement names identifies the file without reading it: a duplicate
        // announcement is recognised even when the source is long gone.
        String tag = etag;
        BlobStore.OpenedBlob opened = null;
        if (tag == null) {
            Optional<BlobStore.OpenedBlob> current = store.open(key, null);
            if (current.isEmpty()) return gone(key, null);
            opened = current.get();
            tag = opened.etag();
        }
        String pk = "drop#" + tenantId + "#" + sha256Hex(key + "\n" + tag);
        Instant now = clock.instant();
        Instant lockUntil = deadline != null && deadline.isAfter(now) ? deadline : now.plus(Duration.ofMinutes(15));
        Optional<IdempotencyStore.Entry> existing = idempotency.claim(pk, tag, now, lockUntil, now.plus(limits.dedupWindow()));
        if (existing.isPresent() && existing.get().completed()) {
            if (opened != null) closeQuietly(opened);
            try {
                removeSource(key, tag);
            } catch (StorageException e) {
                LOG.warn("drop_source_not_removed", "key", key, "error", e.getMessage());
            }
            LOG.info("drop_duplicate", "key", key, "etag", tag);
            return new Outcome(key, Status.DUPLICATE, 0, List.of(), null, "this file (same path and ETag) was processed already");
        }
        if (opened == null) {
            Optional<BlobStore.OpenedBlob> current;
            try {
                current = store.open(key, tag);
            } catch (RuntimeException e) {
                releaseQuietly(pk, key);
                throw e;
            }
            if (current.isEmpty()) {
                releaseQuietly(pk, key);
                return gone(key, tag);
            }
            opened = current.get();
        }
        Instant modified = opened.lastModified();
        // Claimed, or another delivery is at it right now: both write the same objects, so go on.
        try {
            Outcome o = run(key, tenantId, rest, tag, modified, opened);
            ObjectNode record = json.createObjectNode().put("status", o.status().name().toLowerCase(java.util.Locale.ROOT))
                    .put("events", o.events()).put("segments", o.segments().size());
            if (o.quarantineKey() != null) record.put("quarantine_key", o.quarantineKey());
            idempotency.complete(pk, tag, o.status() == Status.INGESTED ? 200 : 400, record.toString().getBytes(StandardCharsets.UTF_8),
                    now.plus(limits.dedupWindow()));
            removeSource(key, tag);
            return o;
        } catch (Vanished v) {
            // A concurrent delivery completed the file and removed it: its record says so.
            Optional<IdempotencyStore.Entry> done = idempotency.claim(pk, tag, clock.instant(), lockUntil, now.plus(limits.dedupWindow()));
            if (done.isPresent() && done.get().completed()) {
                LOG.info("drop_duplicate", "key", key, "etag", tag, "while", "processing");
                return new Outcome(key, Status.DUPLICATE, 0, List.of(), null, "this file (same path and ETag) was processed by another delivery meanwhile");
            }
            releaseQuietly(pk, key);
            return gone(key, tag);
        } catch (RuntimeException e) {
            releaseQuietly(pk, key);
            throw e;
        } finally {
            closeQuietly(opened);
        }
    }

    private Outcome gone(String key, String etag) {
        // Deleted (done, by an earlier delivery) or replaced (the new version has its own event).
        LOG.info("drop_gone", "key", key, "etag", etag);
        return new Outcome(key, Status.GONE, 0, List.of(), null, "the object is gone or has changed since it was announced");
    }

    private void releaseQuietly(String pk, String key) {
        try {
            idempotency.release(pk);
        } catch (RuntimeException re) {
            LOG.error("drop_release_failed", re, "key", key);
        }
    }

    private Outcome run(String key, String tenantId, String rest, String tag, Instant modified, BlobStore.OpenedBlob opened) {
        long started = System.nanoTime();
        try {
            if (tenants.tenant(tenantId).isEmpty()) {
                throw new DropProblem(ErrorCode.FORBIDDEN, "there is no tenant '" + tenantId + "'; files under incoming/tenant=<t>/ are read for existing tenants only");
            }
            if (opened.size() > limits.maxObjectBytes()) {
                throw new DropProblem(ErrorCode.PAYLOAD_TOO_LARGE, "the file is " + opened.size() + " bytes; at most " + limits.maxObjectBytes()
                        + " are read (LAKELOG_DROP_MAX_BYTES)");
            }
            DropFormat.Detected format = DropFormat.of(key).orElseThrow(() -> new DropProblem(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "the file name must end in .json, .jsonl, .ndjson, .csv, .parquet, .pb, .binpb or .protobuf (each optionally .gz)"));
            if (format.format() == DropFormat.OTLP_METRICS) {
                // Extension point: OTLP metrics files go to the metrics ingest core once it exists.
                throw new DropProblem(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "OTLP metrics files are read once metrics ingest (POST /v1/metrics) exists; this folder reads logs");
            }
            Path local = null;
            try {
                if (format.format() == DropFormat.PARQUET) local = copyToTemp(opened, format.gzip());
                // pass 1: validate everything, write nothing
                long events = validateAll(open(opened, format, local, modified), tenantId, key, tag, modified);
                closeQuietly(opened);
                // pass 2: the same bytes again, into segments
                BlobStore.OpenedBlob again = local != null ? null : store.open(key, tag).orElseThrow(() -> new Vanished());
                List<String> segments;
                try {
                    segments = write(open(again, format, local, modified), tenantId, key, tag, modified);
                } finally {
                    if (again != null) closeQuietly(again);
                }
                LOG.info("drop_ingested", "tenant", tenantId, "key", key, "events", events, "segments", segments.size(),
                        "millis", (System.nanoTime() - started) / 1_000_000);
                return new Outcome(key, Status.INGESTED, events, segments, null, null);
            } finally {
                if (local != null) Files.deleteIfExists(local);
            }
        } catch (DropProblem p) {
            closeQuietly(opened);
            return quarantine(key, tenantId, rest, tag, p);
        } catch (TooLarge e) {
            closeQuietly(opened);
            return quarantine(key, tenantId, rest, tag, new DropProblem(ErrorCode.PAYLOAD_TOO_LARGE, e.getMessage()));
        } catch (BadGzip e) {
            closeQuietly(opened);
            return quarantine(key, tenantId, rest, tag, new DropProblem(ErrorCode.INVALID_BODY, "the file ends in .gz but is not valid gzip: " + e.getMessage()));
        } catch (IOException e) {
            throw new StorageException("reading " + key + " failed: " + e.getMessage(), e);
        }
    }

    /** The cursor over the file's events; gzip undone and sizes bounded on the way. */
    private EventCursor open(BlobStore.OpenedBlob blob, DropFormat.Detected format, Path local, Instant now) throws DropProblem, IOException {
        if (format.format() == DropFormat.PARQUET) return new ParquetCursor(json, local);
        InputStream in = bounded(blob.stream(), "the file");
        if (format.gzip()) in = bounded(gunzip(in), "the decompressed file");
        return switch (format.format()) {
            case JSON -> new JsonCursor(json, in, otlp, now);
            case CSV -> new CsvCursor(json, in);
            case OTLP_PROTOBUF -> new ProtobufCursor(in, protobuf, otlp, now);
            default -> throw new IllegalStateException("no cursor for " + format);
        };
    }

    private static InputStream gunzip(InputStream in) throws DropProblem {
        try {
            return new GZIPInputStream(in, 64 * 1024);
        } catch (IOException e) {
            throw new DropProblem(ErrorCode.INVALID_BODY, "the file ends in .gz but is not gzip: " + e.getMessage());
        }
    }

    /** Past {@code maxObjectBytes} the read fails with a {@link TooLarge}, which becomes payload_too_large. */
    private InputStream bounded(InputStream in, String what) {
        long max = limits.maxObjectBytes();
        return new FilterInputStream(in) {
            long read;

            @Override
            public int read() throws IOException {
                int b = wrap(() -> super.read());
                if (b >= 0) count(1);
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = wrap(() -> super.read(b, off, len));
                if (n > 0) count(n);
                return n;
            }

            private void count(long n) throws TooLarge {
                read += n;
                if (read > max) throw new TooLarge(what + " is larger than " + max + " bytes (LAKELOG_DROP_MAX_BYTES)");
            }
        };
    }

    private interface IoCall {
        int call() throws IOException;
    }

    private static int wrap(IoCall c) throws IOException {
        try {
            return c.call();
        } catch (java.util.zip.ZipException e) {
            throw new BadGzip(e.getMessage());
        } catch (java.io.EOFException e) {
            throw new BadGzip("unexpected end of the gzip stream (file truncated?)");
        }
    }

    /** The file disappeared (or changed) between the two passes: another delivery finished it, or a new version replaced it. */
    private static final class Vanished extends RuntimeException {
        Vanished() {
            super(null, null, false, false);
        }
    }

    /** A read beyond the size limit. */
    static final class TooLarge extends IOException {
        TooLarge(String m) {
            super(m);
        }
    }

    /** Corrupt gzip data. */
    static final class BadGzip extends IOException {
        BadGzip(String m) {
            super(m);
        }
    }

    private Path copyToTemp(BlobStore.OpenedBlob blob, boolean gzip) throws DropProblem, IOException {
        Files.createDirectories(tempDir);
        Path f = Files.createTempFile(tempDir, "drop-", ".parquet");
        try {
            InputStream in = bounded(blob.stream(), "the file");
            if (gzip) in = bounded(gunzip(in), "the decompressed file");
            Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
            return f;
        } catch (TooLarge e) {
            Files.deleteIfExists(f);
            throw new DropProblem(ErrorCode.PAYLOAD_TOO_LARGE, e.getMessage());
        } catch (BadGzip e) {
            Files.deleteIfExists(f);
            throw new DropProblem(ErrorCode.INVALID_BODY, "the file ends in .gz but is not valid gzip: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(f);
            throw e;
        }
    }

    /** Pass 1: every event through the validator; the count, or every problem (the first {@link DropProblem#MAX_LISTED}). */
    private long validateAll(EventCursor cursor, String tenantId, String key, String tag, Instant now) throws DropProblem, IOException {
        List<DropProblem.Entry> listed = new ArrayList<>();
        long bad = 0;
        long index = 0;
        try (cursor) {
            EventCursor.Item item;
            while ((item = nextItem(cursor)) != null) {
                List<FieldError> errors = new ArrayList<>();
                validator.validate(withLogId(item.event(), tenantId, key, tag, index), (int) Math.min(index, Integer.MAX_VALUE), tenantId, now, errors);
                if (!errors.isEmpty()) {
                    bad++;
                    for (FieldError fe : errors) {
                        if (listed.size() < DropProblem.MAX_LISTED) listed.add(new DropProblem.Entry(item.at(), (int) index, fe.field(), fe.problem()));
                    }
                }
                index++;
            }
        }
        if (index == 0) throw new DropProblem(ErrorCode.INVALID_BODY, "the file holds no events");
        if (bad > 0) {
            DropProblem.Entry e = listed.get(0);
            throw new DropProblem(ErrorCode.INVALID_EVENT, bad + " of " + index + " events are invalid (nothing of the file was stored); first: "
                    + e.at() + ", event " + e.event() + ", " + e.field() + ": " + e.problem(), listed, bad);
        }
        return index;
    }

    private static EventCursor.Item nextItem(EventCursor cursor) throws DropProblem, IOException {
        try {
            return cursor.next();
        } catch (TooLarge e) {
            throw new DropProblem(ErrorCode.PAYLOAD_TOO_LARGE, e.getMessage());
        } catch (BadGzip e) {
            throw new DropProblem(ErrorCode.INVALID_BODY, "the file ends in .gz but is not valid gzip: " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Pass 2: the validated events into segments of at most the usual size, at keys derived from the file. */
    private List<String> write(EventCursor cursor, String tenantId, String key, String tag, Instant now) throws DropProblem, IOException {
        List<String> keys = new ArrayList<>();
        List<LogEvent> chunk = new ArrayList<>();
        long size = 0;
        long index = 0;
        long createdAt = LogEvent.micros(now);
        try (cursor) {
            EventCursor.Item item;
            while ((item = nextItem(cursor)) != null) {
                List<FieldError> errors = new ArrayList<>();
                LogEvent e = validator.validate(withLogId(item.event(), tenantId, key, tag, index), (int) Math.min(index, Integer.MAX_VALUE), tenantId, now, errors);
                if (e == null) throw new IllegalStateException("event " + index + " of " + key + " passed validation once and failed the second time: " + errors);
                int s = codec.encodedSize(e);
                if (!chunk.isEmpty() && size + s > segmentMaxBytes) {
                    keys.add(putSegment(tenantId, key, tag, now, keys.size(), chunk, size, createdAt));
                    chunk = new ArrayList<>();
                    size = 0;
                }
                chunk.add(e);
                size += s;
                index++;
            }
        }
        if (!chunk.isEmpty()) keys.add(putSegment(tenantId, key, tag, now, keys.size(), chunk, size, createdAt));
        return keys;
    }

    private String putSegment(String tenantId, String key, String tag, Instant now, int part, List<LogEvent> events, long bytes, long createdAt) {
        byte[] h = sha256(tenantId + "\n" + key + "\n" + tag + "\nsegment " + part);
        ByteBuffer b = ByteBuffer.wrap(h);
        long ms = now.toEpochMilli();
        long msb = (ms << 16) | (0x7L << 12) | (b.getLong(0) & 0xFFFL);
        long lsb = (b.getLong(8) & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        String segKey = SegmentKeys.key(tenantId, now, new UUID(msb, lsb));
        store.put(segKey, codec.encode(tenantId, createdAt, events, bytes)); // sized once: the chunk's bytes are known
        return segKey;
    }

    /**
     * An event without a {@code log_id} gets one derived from the file and its position (a
     * version 8, name-based UUID from SHA-256), so the same file read again (retry, or uploaded
     * again after the dedup window) yields the same ids, which rollup keeps once.
     */
    private JsonNode withLogId(JsonNode event, String tenantId, String key, String tag, long index) {
        if (!(event instanceof ObjectNode o)) return event;
        JsonNode id = o.get("log_id");
        if (id != null && !id.isNull()) return o;
        ByteBuffer b = ByteBuffer.wrap(sha256(tenantId + "\n" + key + "\n" + tag + "\nevent " + index));
        long msb = (b.getLong(0) & ~0xF000L) | 0x8000L;
        long lsb = (b.getLong(8) & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        o.put("log_id", new UUID(msb, lsb).toString());
        return o;
    }

    /** Moves the file to {@code quarantine/tenant=<t>/incoming/<rest>} beside its note {@code <...>.error.json}. */
    private Outcome quarantine(String key, String tenantId, String rest, String tag, DropProblem p) {
        String qkey = QUARANTINE + "tenant=" + tenantId + "/incoming/" + rest;
        ObjectNode note = json.createObjectNode();
        note.put("source_key", key).put("etag", tag).put("code", p.code().wireName()).put("detail", p.getMessage())
                .put("quarantined_at", clock.instant().toString());
        if (p.badEvents() > 0) note.put("invalid_events", p.badEvents());
        if (!p.entries().isEmpty()) {
            ArrayNode errors = note.putArray("errors");
            for (DropProblem.Entry e : p.entries()) {
                ObjectNode n = errors.addObject().put("at", e.at());
                if (e.event() != null) n.put("event", e.event());
                n.put("field", e.field()).put("problem", e.problem()).put("code", ErrorCode.INVALID_EVENT.wireName());
            }
            if (p.badEvents() > p.entries().size()) note.put("errors_truncated", true);
        }
        store.copy(key, qkey);
        store.put(qkey + ".error.json", note.toPrettyString().getBytes(StandardCharsets.UTF_8), "application/json");
        LOG.warn("drop_quarantined", "tenant", tenantId, "key", key, "quarantine_key", qkey, "code", p.code().wireName(), "detail", p.getMessage());
        return new Outcome(key, Status.QUARANTINED, 0, List.of(), qkey, p.getMessage());
    }

    /** Deletes the source if it is still the version that was processed (a newer upload stays for its own event). */
    private void removeSource(String key, String tag) {
        Optional<BlobStore.OpenedBlob> still = store.open(key, tag);
        if (still.isEmpty()) return;
        closeQuietly(still.get());
        store.delete(key);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // read side only
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256Hex(String s) {
        return HexFormat.of().formatHex(sha256(s));
    }
}
