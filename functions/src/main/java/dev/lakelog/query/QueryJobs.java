package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.Params;
import dev.lakelog.auth.Tenant;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.backend.JobDispatcher;
import dev.lakelog.backend.JobStore;
import dev.lakelog.backend.QueryJob;
import dev.lakelog.log.JsonLog;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Asynchronous queries (docs/api.md, "Asynchronous queries"): {@code POST /v1/analytics/jobs}
 * validates the request as the synchronous route would, records a job ({@code queued}) and hands
 * it to the {@link JobDispatcher}; the worker ({@link #run}: a Lambda with up to 15 minutes in AWS,
 * an executor thread locally) runs it through the same {@link NamedQueries},
 * {@link CustomQueryService} (same sandbox, same tenant view) and {@link Exports} code and writes
 * the result file to {@code results/<tenant>/jobs/<job id>.<format>}; {@code GET
 * /v1/analytics/jobs/{id}} answers the state and, once succeeded, a fresh presigned URL.
 *
 * <p>Request: {@code {"type": "named", "name": "...", "params": {...}, "page_size": n, "format": "csv"}},
 * {@code {"type": "query", "query": "SELECT ...", "params": {...}, "format": "parquet"}} or
 * {@code {"type": "logs", "filter": {"since": "...", "severity": "ERROR", ...}, "order": "desc",
 * "format": "ndjson"}}; {@code format} csv (default), ndjson, or parquet (not for named queries).
 */
public final class QueryJobs {
    private static final JsonLog LOG = JsonLog.get(QueryJobs.class);
    /** How long a job's record is kept (its result file: the results lifecycle, docs/api.md). */
    public static final Duration KEEP = Duration.ofHours(24);
    /** A job still "running" this long after it started has lost its worker (Lambda's 15 minutes, plus margin). */
    public static final Duration WORKER_LOST_AFTER = Duration.ofMinutes(16);
    /** The time limit of a job's custom SQL (the worker has 15 minutes; the rest is for writing the result). */
    public static final Duration CUSTOM_TIME_LIMIT = Duration.ofMinutes(14);
    static final Set<String> TYPES = Set.of("named", "query", "logs");

    private final JobStore store;
    private final JobDispatcher dispatcher;
    private final TenantStore tenants;
    private final NamedQueries named;
    private final CustomQueryService custom;
    private final Exports exports;
    private final BigResults big;
    private final ObjectMapper json;
    private final Clock clock;

    public QueryJobs(JobStore store, JobDispatcher dispatcher, TenantStore tenants, NamedQueries named, CustomQueryService custom,
                     Exports exports, BigResults big, ObjectMapper json, Clock clock) {
        this.store = store;
        this.dispatcher = dispatcher;
        this.tenants = tenants;
        this.named = named;
        this.custom = custom;
        this.exports = exports;
        this.big = big;
        this.json = json;
        this.clock = clock;
    }

    /** Validates, records and dispatches a job; answers its first state (the route answers 202 with it). */
    public ObjectNode submit(Tenant tenant, JsonNode body) {
        Parsed p = parse(body);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        QueryJob job = new QueryJob(tenant.id(), UUID.randomUUID().toString(), p.type, body.toString(), p.format.wireName(), QueryJob.QUEUED,
                now, now, null, null, null, 0, 0, now.plus(KEEP));
        store.create(job);
        try {
            dispatcher.dispatch(tenant.id(), job.id());
        } catch (RuntimeException e) {
            store.save(job.failed(clock.instant(), ErrorCode.DEPENDENCY_UNAVAILABLE.wireName(),
                    "the job could not be handed to a worker: " + e.getMessage()));
            throw LakelogException.unavailable(ErrorCode.DEPENDENCY_UNAVAILABLE, "the job could not be handed to a worker; submit it again", 5, e);
        }
        LOG.info("query_job_submitted", "tenant", tenant.id(), "job_id", job.id(), "type", p.type, "format", p.format.wireName());
        return describe(job);
    }

    /** The tenant's job: its state, and the result URL once succeeded; 404 job_not_found otherwise (another tenant's job too). */
    public ObjectNode status(Tenant tenant, String id) {
        QueryJob job = find(tenant.id(), id);
        if (QueryJob.RUNNING.equals(job.state()) && job.updatedAt().plus(WORKER_LOST_AFTER).isBefore(clock.instant())) {
            job = job.failed(clock.instant(), ErrorCode.QUERY_TIMEOUT.wireName(),
                    "the job's worker stopped without finishing (it ran past the worker's 15 minutes, or was killed); narrow the query and submit it again");
            store.save(job);
        }
        return describe(job);
    }

    private QueryJob find(String tenantId, String id) {
        try {
            UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new LakelogException(ErrorCode.JOB_NOT_FOUND, "no job '" + id + "'");
        }
        return store.get(tenantId, id).orElseThrow(() -> new LakelogException(ErrorCode.JOB_NOT_FOUND, "no job '" + id + "'"));
    }

    /**
     * The worker: runs the job through the synchronous routes' code and records how it ended. Never
     * throws for a failure of the query itself (that is the job's {@code failed} state with its
     * code); a job already finished or running is left alone (a redelivered invocation).
     */
    public QueryJob run(String tenantId, String id) {
        Optional<QueryJob> found = store.get(tenantId, id);
        if (found.isEmpty()) {
            LOG.warn("query_job_missing", "tenant", tenantId, "job_id", id);
            return null;
        }
        QueryJob job = found.get();
        if (!QueryJob.QUEUED.equals(job.state())) {
            LOG.info("query_job_already_taken", "tenant", tenantId, "job_id", id, "state", job.state());
            return job;
        }
        job = job.running(clock.instant());
        store.save(job);
        long t0 = System.nanoTime();
        QueryJob done;
        try {
            Tenant tenant = tenants.tenant(tenantId)
                    .orElseThrow(() -> new LakelogException(ErrorCode.FORBIDDEN, "tenant '" + tenantId + "' no longer exists"));
            JsonNode body = json.readTree(job.request());
            Parsed p = parse(body);
            String keyBase = BigResults.PREFIX + tenantId + "/jobs/" + id;
            JsonNode result = execute(tenant, p, keyBase);
            done = job.succeeded(clock.instant(), result.path("result_key").asText(), result.path("row_count").asLong(), result.path("bytes").asLong());
        } catch (LakelogException e) {
            done = job.failed(clock.instant(), e.code().wireName(), e.detail());
        } catch (Exception e) {
            LOG.error("query_job_failed", e, "tenant", tenantId, "job_id", id);
            done = job.failed(clock.instant(), ErrorCode.INTERNAL.wireName(), "internal error; this is a defect in lakelog, please report it");
        }
        store.save(done);
        LOG.info("query_job_finished", "tenant", tenantId, "job_id", id, "state", done.state(), "error_code", done.errorCode(),
                "rows", done.rowCount(), "bytes", done.bytes(), "ms", (System.nanoTime() - t0) / 1_000_000);
        return done;
    }

    private JsonNode execute(Tenant tenant, Parsed p, String keyBase) throws java.io.IOException {
        Exports storing = exports.storingAt(keyBase);
        switch (p.type) {
            case "logs" -> {
                return json.readTree(storing.logs(tenant, p.filter, new TenantView.Latest(true), p.newestFirst, p.format).body());
            }
            case "query" -> {
                return json.readTree(custom.export(tenant, p.customBody, p.format, storing, Optional.empty()).body());
            }
            default -> {
                ObjectNode answer = named.run(tenant, p.name, p.namedBody);
                ArrayNode rows = (ArrayNode) answer.path("rows");
                byte[] bytes;
                if (p.format == ExportFormat.CSV) {
                    bytes = BigResults.csv(rows);
                } else {
                    StringBuilder b = new StringBuilder();
                    for (JsonNode r : rows) b.append(json.writeValueAsString(r)).append('\n');
                    bytes = b.toString().getBytes(StandardCharsets.UTF_8);
                }
                String key = keyBase + "." + p.format.wireName();
                big.store(key, bytes, p.format.contentType());
                return json.createObjectNode().put("result_key", key).put("row_count", rows.size()).put("bytes", bytes.length);
            }
        }
    }

    /** A job as answered: {@code job_id, type, format, state, created_at, updated_at}, then {@code error} or the result. */
    private ObjectNode describe(QueryJob job) {
        ObjectNode out = json.createObjectNode();
        out.put("job_id", job.id());
        out.put("type", job.type());
        out.put("format", job.format());
        out.put("state", job.state());
        out.put("created_at", job.createdAt().toString());
        out.put("updated_at", job.updatedAt().toString());
        out.put("status_url", "/v1/analytics/jobs/" + job.id());
        if (QueryJob.FAILED.equals(job.state())) {
            out.putObject("error").put("code", job.errorCode()).put("detail", job.errorDetail());
        }
        if (QueryJob.SUCCEEDED.equals(job.state())) {
            Optional<URI> url = big.url(job.resultKey());
            if (url.isPresent()) {
                out.put("result_url", url.get().toString());
                if ("file".equals(url.get().getScheme())) out.putNull("expires_at");
                else out.put("expires_at", clock.instant().truncatedTo(ChronoUnit.SECONDS).plus(BigResults.URL_VALIDITY).toString());
            }
            out.put("row_count", job.rowCount());
            out.put("bytes", job.bytes());
        }
        return out;
    }

    /** A validated request. */
    private static final class Parsed {
        String type;
        ExportFormat format;
        String name;
        JsonNode namedBody;
        JsonNode customBody;
        LogFilter filter;
        boolean newestFirst;
    }

    /**
     * Checks the request as the synchronous route would check it, before anything is recorded: a
     * bad request is a 400 at once, not a failed job later. (The SQL itself is checked by the
     * worker, in the sandbox, as the synchronous route does.)
     */
    private Parsed parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new LakelogException(ErrorCode.INVALID_BODY, "the body must be a JSON object with 'type' (named, query or logs)");
        }
        Parsed p = new Parsed();
        JsonNode type = body.path("type");
        if (!type.isTextual() || !TYPES.contains(type.asText())) {
            throw new LakelogException(ErrorCode.INVALID_BODY, "field 'type' must be one of named, query, logs");
        }
        p.type = type.asText();
        JsonNode fmt = body.path("format");
        if (!fmt.isMissingNode() && !fmt.isTextual()) throw new LakelogException(ErrorCode.INVALID_BODY, "field 'format' must be a string");
        p.format = ExportFormat.from(new Params(Map.of("format", fmt.isTextual() ? fmt.asText() : "csv")));
        if (p.format == ExportFormat.JSON) {
            throw new LakelogException(ErrorCode.INVALID_PARAMETER, "a job writes a file: 'format' must be csv, ndjson or parquet");
        }
        List<String> allowed = switch (p.type) {
            case "named" -> List.of("type", "format", "name", "params", "page_size", "cursor");
            case "query" -> List.of("type", "format", "query", "params");
            default -> List.of("type", "format", "filter", "order");
        };
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!allowed.contains(n)) throw new LakelogException(ErrorCode.INVALID_BODY, "unknown field '" + n + "' for a job of type " + p.type
                    + "; expected " + String.join(", ", allowed));
        }
        switch (p.type) {
            case "named" -> {
                if (!body.path("name").isTextual()) throw new LakelogException(ErrorCode.INVALID_BODY, "field 'name' (the named query) is required");
                p.name = body.path("name").asText();
                if (p.format == ExportFormat.PARQUET) {
                    throw new LakelogException(ErrorCode.INVALID_PARAMETER, "a named query's job writes csv or ndjson, not parquet");
                }
                if (!named.exists(p.name)) {
                    throw new LakelogException(ErrorCode.QUERY_NOT_FOUND, "no named query '" + p.name + "'; GET /v1/analytics/queries lists them");
                }
                ObjectNode nb = json.createObjectNode();
                for (String f : List.of("params", "page_size", "cursor")) if (body.has(f)) nb.set(f, body.get(f));
                p.namedBody = nb;
            }
            case "query" -> {
                if (!body.path("query").isTextual()) throw new LakelogException(ErrorCode.INVALID_BODY, "field 'query' is required and must be a string");
                ObjectNode cb = json.createObjectNode();
                cb.set("query", body.get("query"));
                if (body.has("params")) cb.set("params", body.get("params"));
                p.customBody = cb;
            }
            default -> {
                JsonNode filter = body.path("filter");
                Map<String, String> q = new HashMap<>();
                if (!filter.isMissingNode()) {
                    if (!filter.isObject()) throw new LakelogException(ErrorCode.INVALID_BODY, "field 'filter' must be an object of the logs route's parameters");
                    Iterator<Map.Entry<String, JsonNode>> fs = filter.fields();
                    while (fs.hasNext()) {
                        Map.Entry<String, JsonNode> f = fs.next();
                        if (!f.getValue().isValueNode() || f.getValue().isNull()) {
                            throw new LakelogException(ErrorCode.INVALID_BODY, "filter '" + f.getKey() + "' must be a string or a number");
                        }
                        q.put(f.getKey(), f.getValue().asText());
                    }
                }
                Params fp = new Params(q);
                fp.allowOnly(LogFilter.PARAMETERS);
                p.filter = LogFilter.from(fp, Exports.MAX_EXPORT_ROWS, Exports.MAX_EXPORT_ROWS);
                String order = body.path("order").asText("asc");
                if (!order.equals("asc") && !order.equals("desc")) {
                    throw new LakelogException(ErrorCode.INVALID_PARAMETER, "field 'order' must be asc (oldest first) or desc (newest first), got '" + order + "'");
                }
                p.newestFirst = order.equals("desc");
            }
        }
        return p;
    }
}
