package dev.lakelog.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.AccessRecorder;
import dev.lakelog.api.ApiErrors;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.Params;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.lake.AccessLog;
import dev.lakelog.lake.IntegrityChain;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.log.JsonLog;
import dev.lakelog.segment.UuidV7;
import dev.lakelog.storage.BlobStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The access trail (docs/integrity.md#access-trail). As an {@link AccessRecorder} on the router,
 * every call under {@code /v1/analytics/} is recorded after it is answered, failures included:
 * who (tenant or operator, and the token's id: the first 16 hex digits of its SHA-256 hash, never
 * the token), when, method, path, route, query parameters, the JSON body (SQL included) up to
 * 16 KiB (larger: its size and SHA-256), status, error code, rows returned and the SHA-256 of the
 * answer's bytes. A record is written at once to the blob store ({@code access-trail/pending/}),
 * then committed into the lake's {@code access_trail} table with its integrity entry
 * ({@link #commitPending}: on the rollup schedule, before a trail read and before verify).
 *
 * <p>{@code GET /v1/analytics/access}: a tenant's Bearer token reads its own trail (operators'
 * calls on its data included); an operator reads any tenant's ({@code tenant_id}, {@code *} for
 * lake-wide operator calls and unauthenticated attempts). Filters {@code from}, {@code to},
 * {@code route}, {@code principal}, {@code status}; pages by {@code after_seq} and {@code limit}.
 */
public final class AccessTrail implements AccessRecorder {
    private static final JsonLog LOG = JsonLog.get(AccessTrail.class);
    public static final String PREFIX = "access-trail/pending/";
    public static final String LAKE_WIDE = "*";
    static final int MAX_BODY = 16 * 1024;
    private final Authenticator auth;
    private final TenantStore tenants;
    private final Supplier<BlobStore> blobs;
    private final Supplier<LakeEngine> lake;
    private final Clock clock;
    private final ObjectMapper json;
    private final boolean commitOnRead;

    /**
     * {@code commitOnRead}: a trail read commits the pending records first (local mode: one
     * process with every right). In AWS the query function may not write the lake nor sign heads,
     * so a read answers the committed records and counts the pending ones; the rollup schedule and
     * verify commit them.
     */
    public AccessTrail(Authenticator auth, TenantStore tenants, Supplier<BlobStore> blobs, Supplier<LakeEngine> lake, Clock clock, ObjectMapper json,
                       boolean commitOnRead) {
        this.commitOnRead = commitOnRead;
        this.auth = auth;
        this.tenants = tenants;
        this.blobs = blobs;
        this.lake = lake;
        this.clock = clock;
        this.json = json;
    }

    // ---- recording ------------------------------------------------------------------------------

    @Override
    public void record(ApiRequest req, String route, ApiResponse resp, long nanos) {
        Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS);
        String id = UuidV7.next(at).toString();
        ObjectNode principal = json.createObjectNode();
        String tenant = LAKE_WIDE;
        Optional<String> token = bearer(req);
        if (token.isPresent()) {
            String hash = Secrets.tokenHash(token.get());
            principal.put("token_id", hash.length() > 16 ? hash.substring(0, 16) : hash);
            Optional<String> operator = tenants.operatorByTokenHash(hash);
            if (operator.isPresent()) {
                principal.put("kind", "operator").put("operator", operator.get());
                tenant = onBehalfOf(req).orElse(LAKE_WIDE);
            } else {
                Optional<Tenant> t = tenants.tenantByTokenHash(hash);
                if (t.isPresent()) {
                    principal.put("kind", "tenant").put("tenant_id", t.get().id());
                    tenant = t.get().id();
                } else {
                    principal.put("kind", "anonymous").put("why", "the token is unknown");
                }
            }
        } else {
            principal.put("kind", "anonymous").put("why", "no Bearer token");
        }
        ObjectNode r = json.createObjectNode();
        r.put("v", 1).put("id", id).put("tenant_id", tenant).put("at", at.toString());
        r.set("principal", principal);
        r.put("method", req.method()).put("path", req.path()).put("route", route);
        ObjectNode q = r.putObject("query");
        new java.util.TreeMap<>(req.query()).forEach(q::put);
        if (req.body().length > 0) {
            r.put("body_bytes", req.body().length).put("body_sha256", sha256(req.body()));
            JsonNode body = parsedBody(req);
            if (body != null && req.body().length <= MAX_BODY) r.set("body", body);
            // the SQL text of a custom query ({"query": ...}), whatever the body's size
            if (body != null && route.equals("/v1/analytics/query") && body.path("query").isTextual()) r.put("sql", body.path("query").asText());
        }
        r.put("status", resp.status());
        if (resp.status() >= 400) r.put("error_code", ApiErrors.codeOf(resp));
        else r.putNull("error_code");
        byte[] out = resp.body() == null ? new byte[0] : resp.body();
        r.put("rows_returned", rowsReturned(resp, out)).put("result_bytes", out.length).put("result_sha256", sha256(out));
        r.put("duration_ms", nanos / 1_000_000);
        String text = r.toString();
        String key = PREFIX + tenantDir(tenant) + "/" + id + ".json";
        try {
            blobs.get().put(key, text.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            LOG.error("access_record_failed", e, "tenant", tenant, "route", route);
            throw e;
        }
    }

    private static Optional<String> bearer(ApiRequest req) {
        Optional<String> a = req.header("Authorization");
        if (a.isEmpty() || !a.get().regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.empty();
        String t = a.get().substring(7).trim();
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }

    /** The tenant an operator's call is about: {@code tenant_id} in the query or the JSON body. */
    private Optional<String> onBehalfOf(ApiRequest req) {
        String t = req.query().get("tenant_id");
        if (t == null) {
            JsonNode b = parsedBody(req);
            if (b != null && b.path("tenant_id").isTextual()) t = b.path("tenant_id").asText();
        }
        // a name that could not be a tenant's (the call then fails with 400) is recorded in the lake-wide trail
        return t == null || !t.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,127}") ? Optional.empty() : Optional.of(t);
    }

    private JsonNode parsedBody(ApiRequest req) {
        if (req.body().length == 0) return null;
        try {
            JsonNode n = json.readTree(req.body());
            return n != null && n.isObject() ? n : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** Rows in the answer: the length of its {@code rows}/{@code logs}/{@code events}/... array, or lines of an NDJSON/CSV export. */
    private long rowsReturned(ApiResponse resp, byte[] out) {
        if (resp.status() >= 400 || out.length == 0) return 0;
        String type = "";
        if (resp.headers() != null) {
            for (Map.Entry<String, String> h : resp.headers().entrySet()) {
                if (h.getKey().equalsIgnoreCase("Content-Type")) type = String.valueOf(h.getValue()).toLowerCase(java.util.Locale.ROOT);
            }
        }
        if (type.contains("json") && !type.contains("ndjson")) {
            try {
                JsonNode n = json.readTree(out);
                if (n.path("row_count").isNumber()) return n.path("row_count").asLong();
                for (String f : List.of("rows", "logs", "events", "records", "results", "holds", "buckets", "snapshots", "changes")) {
                    if (n.path(f).isArray()) return n.path(f).size();
                }
                return n.isArray() ? n.size() : 0;
            } catch (java.io.IOException e) {
                return 0;
            }
        }
        long lines = 0;
        for (byte b : out) if (b == '\n') lines++;
        if (out[out.length - 1] != '\n') lines++;
        return type.contains("csv") ? Math.max(0, lines - 1) : lines;
    }

    private static String tenantDir(String tenant) {
        return LAKE_WIDE.equals(tenant) ? "_lake" : "tenant=" + tenant;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- committing ---------------------------------------------------------------------------

    /**
     * Moves every pending record into the lake: one commit with its integrity entry, the new head
     * anchored, then the pending objects deleted. Returns the records committed. A record already
     * committed (a crash between commit and delete, or two instances at once) is not added twice.
     */
    public synchronized int commitPending() {
        BlobStore store = blobs.get();
        List<BlobStore.BlobInfo> keys = store.list(PREFIX);
        if (keys.isEmpty()) return 0;
        List<AccessLog.Pending> records = new ArrayList<>();
        List<String> read = new ArrayList<>();
        for (BlobStore.BlobInfo b : keys) {
            Optional<byte[]> bytes = store.get(b.key());
            if (bytes.isEmpty()) continue;
            String text = new String(bytes.get(), StandardCharsets.UTF_8);
            try {
                JsonNode n = json.readTree(text);
                records.add(new AccessLog.Pending(n.path("id").asText(), n.path("tenant_id").asText(), text));
                read.add(b.key());
            } catch (java.io.IOException e) {
                LOG.warn("access_record_unreadable", "key", b.key(), "error", e.getMessage());
            }
        }
        LakeEngine engine = lake.get();
        try (Connection c = engine.connect()) {
            Optional<IntegrityChain.Head> head = AccessLog.commit(c, records);
            if (head.isPresent()) engine.anchorHead(c);
        } catch (SQLException e) {
            throw new LakelogException(ErrorCode.LAKE_UNAVAILABLE, "the access trail could not be committed: "
                    + engine.redactor().redact(e.getMessage()));
        }
        for (String k : read) store.delete(k);
        LOG.info("access_trail_committed", "records", records.size());
        return records.size();
    }

    // ---- reading ------------------------------------------------------------------------------

    public void register(ApiRouter router) {
        router.add("GET", "/v1/analytics/access", (r, m) -> {
            Params p = new Params(r.query());
            Optional<String> operator = auth.operatorOf(r);
            String tenant;
            if (operator.isPresent()) {
                p.allowOnly(Set.of("tenant_id", "from", "to", "route", "principal", "status", "after_seq", "limit"));
                tenant = p.string("tenant_id", 128).orElse(LAKE_WIDE); // default: the lake-wide operators' trail
                if (!tenant.equals(LAKE_WIDE) && !tenant.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,127}")) {
                    throw new LakelogException(ErrorCode.INVALID_PARAMETER, "tenant_id must be a tenant's id or *");
                }
            } else {
                Tenant t = auth.verifyPaidBearer(r);
                p.allowOnly(Set.of("from", "to", "route", "principal", "status", "after_seq", "limit"));
                tenant = t.id();
            }
            Instant from = p.time("from").orElse(null);
            Instant to = p.time("to").orElse(null);
            if (from != null && to != null && !from.isBefore(to)) {
                throw new LakelogException(ErrorCode.INVALID_PARAMETER, "from must be before to");
            }
            long status = p.integer("status", -1, 100, 599);
            long after = p.integer("after_seq", -1, -1, Long.MAX_VALUE);
            int limit = (int) p.integer("limit", 100, 1, 1000);
            AccessLog.Filter f = new AccessLog.Filter(from, to, p.string("route", 512).orElse(null), p.string("principal", 300).orElse(null),
                    status < 0 ? null : (int) status, after, limit);
            if (commitOnRead) commitPending(); // the trail as of now, this call's own record excepted (it is written after the answer)
            List<AccessLog.Stored> rows;
            try (Connection c = lake.get().connect()) {
                rows = AccessLog.read(c, tenant, f);
            } catch (SQLException e) {
                throw new LakelogException(ErrorCode.LAKE_UNAVAILABLE, "the access trail cannot be read: " + lake.get().redactor().redact(e.getMessage()));
            }
            ObjectNode out = json.createObjectNode();
            out.put("tenant_id", tenant);
            ArrayNode recs = out.putArray("records");
            for (AccessLog.Stored s : rows) {
                try {
                    ObjectNode n = (ObjectNode) json.readTree(s.record());
                    n.put("seq", s.seq()).put("prev_hash", s.prevHash()).put("hash", s.hash());
                    recs.add(n);
                } catch (java.io.IOException e) {
                    throw new LakelogException(ErrorCode.LAKE_UNAVAILABLE, "access record " + s.seq() + " is unreadable: verify the lake");
                }
            }
            if (rows.size() == limit) out.put("next_after_seq", rows.get(rows.size() - 1).seq());
            else out.putNull("next_after_seq");
            // recorded but not committed into the lake yet (they are after the last record above)
            out.put("pending_records", blobs.get().list(PREFIX + tenantDir(tenant) + "/").size());
            return router.ok(out);
        });
    }

    /** For tests and tools: the pending objects' keys. */
    public List<String> pendingKeys() {
        return blobs.get().list(PREFIX).stream().map(BlobStore.BlobInfo::key).toList();
    }
}
