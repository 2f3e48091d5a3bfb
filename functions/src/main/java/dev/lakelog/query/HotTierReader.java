package dev.lakelog.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.auth.Tenant;
import dev.lakelog.log.JsonLog;
import dev.lakelog.query.LogFilter;
import dev.lakelog.query.LogRows;
import dev.lakelog.segment.LogEvent;
import dev.lakelog.segment.Segment;
import dev.lakelog.segment.SegmentCodec;
import dev.lakelog.segment.SegmentFormatException;
import dev.lakelog.segment.SegmentKeys;
import dev.lakelog.storage.BlobStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code GET /v1/logs/recent}: the newest events of the hot tier that are not yet rolled up.
 * Lists the tenant's segment keys (ingest-time ordered: date, hour, UUIDv7), walks them newest
 * first in small chunks, skips keys the rollup ledger already holds, and reads only as many
 * segments as it needs to fill {@code offset + limit} matching events (at most
 * {@link #MAX_SEGMENTS_READ}; beyond that the answer says {@code truncated}).
 */
public final class HotTierReader {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;
    public static final int MAX_SEGMENTS_READ = 2000;
    private static final int CHUNK = 32;
    private static final JsonLog LOG = JsonLog.get(HotTierReader.class);

    private final BlobStore store;
    private final SegmentCodec codec;
    private final Function<List<String>, Set<String>> rolledUp;
    private final ObjectMapper json;

    /** {@code rolledUp}: of the given segment keys, those already in the rollup ledger. */
    public HotTierReader(BlobStore store, SegmentCodec codec, Function<List<String>, Set<String>> rolledUp, ObjectMapper json) {
        this.store = store;
        this.codec = codec;
        this.rolledUp = rolledUp;
        this.json = json;
    }

    public ObjectNode recent(Tenant tenant, LogFilter f, int limit) {
        List<String> keys = new ArrayList<>();
        for (BlobStore.BlobInfo b : store.list(SegmentKeys.tenantPrefix(tenant.id()))) {
            if (SegmentKeys.isSegmentKey(b.key())) keys.add(b.key());
        }
        keys.sort(Comparator.reverseOrder());
        Set<String> listed = new java.util.HashSet<>(keys);
        long want = f.offset() + limit;
        List<Hit> hits = new ArrayList<>();
        int read = 0;
        boolean truncated = false;
        outer:
        for (int from = 0; from < keys.size(); from += CHUNK) {
            List<String> chunk = keys.subList(from, Math.min(keys.size(), from + CHUNK));
            Set<String> done = rolledUp.apply(chunk);
            for (String key : chunk) {
                if (done.contains(key)) continue;
                if (read >= MAX_SEGMENTS_READ) {
                    truncated = true;
                    break outer;
                }
                Optional<byte[]> bytes = store.get(key);
                read++;
                if (bytes.isEmpty()) continue;
                Segment s;
                try {
                    s = codec.decode(bytes.get());
                } catch (SegmentFormatException e) {
                    LOG.warn("recent_segment_unreadable", "segment_key", key, "error", e.getMessage());
                    continue;
                }
                if (s.grouped() && !groupComplete(s, listed)) continue; // a request that failed half-way
                List<LogEvent> evs = s.events();
                for (int i = evs.size() - 1; i >= 0; i--) {
                    LogEvent e = evs.get(i);
                    if (matches(e, f)) hits.add(new Hit(e, key));
                    if (hits.size() >= want) break outer;
                }
            }
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode logs = out.putArray("logs");
        for (int i = (int) Math.min(f.offset(), hits.size()); i < hits.size(); i++) logs.add(toJson(hits.get(i).event(), hits.get(i).key()));
        out.put("count", logs.size());
        out.put("limit", limit);
        out.put("offset", f.offset());
        out.put("segments_read", read);
        out.put("truncated", truncated);
        return out;
    }

    private boolean groupComplete(Segment s, Set<String> listed) {
        List<String> missing = s.groupKeys().stream().filter(k -> !listed.contains(k)).toList();
        return missing.isEmpty() || rolledUp.apply(missing).containsAll(missing);
    }

    private static boolean matches(LogEvent e, LogFilter f) {
        long ts = e.timestampMicros();
        if (f.since().isPresent() && ts < LogEvent.micros(f.since().get())) return false;
        if (f.until().isPresent() && ts > LogEvent.micros(f.until().get())) return false; // inclusive, as the analytics route
        if (f.severity().isPresent() && !f.severity().get().equals(e.severity())) return false;
        if (f.component().isPresent() && !f.component().get().equals(e.component())) return false;
        if (f.eventType().isPresent() && !f.eventType().get().equals(e.eventType())) return false;
        if (f.outcome().isPresent() && !f.outcome().get().equals(e.outcome())) return false;
        if (f.traceId().isPresent() && !f.traceId().get().equals(e.traceId())) return false;
        if (f.spanId().isPresent() && !f.spanId().get().equals(e.spanId())) return false;
        if (f.text().isPresent() && !containsText(e, f.text().get())) return false;
        return f.actorId().isEmpty() || f.actorId().get().equals(e.actorId());
    }

    private static boolean containsText(LogEvent e, String lower) {
        return (e.message() != null && e.message().toLowerCase(java.util.Locale.ROOT).contains(lower))
                || (e.payload() != null && e.payload().toLowerCase(java.util.Locale.ROOT).contains(lower));
    }

    private record Hit(LogEvent event, String key) {}

    private ObjectNode toJson(LogEvent e, String key) {
        ObjectNode n = json.createObjectNode();
        n.put("tenant_id", e.tenantId());
        n.put("log_id", e.logId());
        n.put("timestamp", LogRows.iso(e.timestampMicros()));
        n.put("event_type", e.eventType());
        n.put("outcome", e.outcome());
        n.put("severity", e.severity());
        n.put("sensitivity", e.sensitivity());
        n.put("actor_id", e.actorId());
        n.put("component", e.component());
        n.put("environment", e.environment());
        n.put("resource", e.resource());
        n.put("message", e.message());
        n.put("payload", e.payload()); // JSON text, as GET /v1/analytics/logs returns it
        if (e.policyTags() == null) {
            n.putNull("policy_tags");
        } else {
            ArrayNode tags = n.putArray("policy_tags");
            e.policyTags().forEach(tags::add);
        }
        n.put("session_id", e.sessionId());
        n.put("request_id", e.requestId());
        n.put("source_ip", e.sourceIp());
        n.put("retention_until", e.retentionUntilMicros() == null ? null : LogRows.iso(e.retentionUntilMicros()));
        n.put("ingested_at", LogRows.iso(e.ingestedAtMicros()));
        n.put("trace_id", e.traceId());
        n.put("span_id", e.spanId());
        return n;
    }

}
