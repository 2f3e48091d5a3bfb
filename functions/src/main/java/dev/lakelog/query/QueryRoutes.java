package dev.lakelog.query;

import dev.lakelog.api.Params;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.throttle.TenantRateLimiter;
import dev.lakelog.auth.Tenant;
import java.util.Set;

/** The analytics read routes (paid Bearer token on every one). */
public final class QueryRoutes {
    /** Lambda's synchronous response limit is 6 MB (6,291,456 bytes) including the proxy envelope. */
    public static final int MAX_RESPONSE_BYTES = 6_000_000;

    private static final Set<String> FILTERS = LogFilter.PARAMETERS;

    private final Authenticator auth;
    private final QueryService query;
    private final CustomQueryService custom;
    private final NamedQueries named;
    private final BigResults big;

    private final QueryLimiter limiter;

    private final TenantRateLimiter rates;

    public QueryRoutes(Authenticator auth, QueryService query, CustomQueryService custom, NamedQueries named, BigResults big,
                       QueryLimiter limiter) {
        this(auth, query, custom, named, big, limiter, TenantRateLimiter.NONE);
    }

    /** As above, with each tenant's analytics requests taken from its token bucket (429 rate_limited when empty). */
    public QueryRoutes(Authenticator auth, QueryService query, CustomQueryService custom, NamedQueries named, BigResults big,
                       QueryLimiter limiter, TenantRateLimiter rates) {
        this.rates = rates;
        this.limiter = limiter;
        this.auth = auth;
        this.query = query;
        this.custom = custom;
        this.named = named;
        this.big = big;
        this.exports = query.exports(big);
    }

    private final Exports exports;

    public void register(ApiRouter router) {
        router.add("GET", "/v1/analytics/logs", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            Params p = new Params(r.query());
            p.allowOnly(union(FILTERS, Set.of("as_of", "fresh", "order", "format")));
            ExportFormat format = ExportFormat.from(p);
            boolean newestFirst = newestFirst(p);
            LogFilter f = format == ExportFormat.JSON ? LogFilter.from(p, LogFilter.MAX_LIMIT, 1000)
                    : LogFilter.from(p, Exports.MAX_EXPORT_ROWS, Exports.DEFAULT_EXPORT_ROWS);
            TenantView.At at = at(p);
            rates.checkQuery(t.id());
            if (format != ExportFormat.JSON) return limiter.run(t.id(), () -> exports.logs(t, f, at, newestFirst, format));
            return limiter.run(t.id(), () -> sized(router, t, query.logs(t, f, at, newestFirst), "logs"));
        });
        router.add("GET", "/v1/analytics/histogram", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            Params p = new Params(r.query());
            java.util.Set<String> allowed = new java.util.HashSet<>(FILTERS);
            allowed.removeAll(Set.of("limit", "offset"));
            allowed.addAll(Set.of("interval", "buckets", "as_of", "fresh", "snapshot_id"));
            p.allowOnly(allowed);
            LogFilter f = LogFilter.from(p, 1, 1);
            Histogram h = Histogram.of(f.since(), f.until(), p.string("interval", 16),
                    (int) p.integer("buckets", Histogram.DEFAULT_BUCKETS, 1, Histogram.MAX_BUCKETS), java.time.Instant.now());
            TenantView.At at;
            if (r.queryParam("snapshot_id").isPresent()) {
                if (r.queryParam("as_of").isPresent()) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "give 'snapshot_id' or 'as_of', not both");
                at = new TenantView.AsOfVersion(snapshotId(r.queryParam("snapshot_id").get()));
            } else {
                at = at(p);
            }
            rates.checkQuery(t.id());
            return limiter.run(t.id(), () -> router.ok(query.histogram(t, f, at, h)));
        });
        router.add("GET", "/v1/analytics/logs/snapshot/([^/]+)", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            long id = snapshotId(m.group(1));
            Params p = new Params(r.query());
            p.allowOnly(union(FILTERS, Set.of("order", "format")));
            ExportFormat format = ExportFormat.from(p);
            boolean newestFirst = newestFirst(p);
            LogFilter f = format == ExportFormat.JSON ? LogFilter.from(p, 1000, 100) : LogFilter.from(p, Exports.MAX_EXPORT_ROWS, Exports.DEFAULT_EXPORT_ROWS);
            TenantView.At at = new TenantView.AsOfVersion(id);
            rates.checkQuery(t.id());
            if (format != ExportFormat.JSON) return limiter.run(t.id(), () -> exports.logs(t, f, at, newestFirst, format));
            return limiter.run(t.id(), () -> sized(router, t, query.logs(t, f, at, newestFirst), "logs"));
        });
        router.add("GET", "/v1/analytics/snapshots", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            Params p = new Params(r.query());
            p.allowOnly(Set.of("limit"));
            return sized(router, query.snapshots(t, (int) p.integer("limit", 100, 1, 1000)));
        });
        router.add("GET", "/v1/analytics/info", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            new Params(r.query()).allowOnly(Set.of());
            return router.ok(query.info(t));
        });
        router.add("GET", "/v1/analytics/changes", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            Params p = new Params(r.query());
            p.allowOnly(Set.of("from_snapshot", "to_snapshot", "limit"));
            if (r.queryParam("from_snapshot").isEmpty()) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'from_snapshot' is required");
            if (r.queryParam("to_snapshot").isEmpty()) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'to_snapshot' is required");
            long from = p.integer("from_snapshot", 0, 0, Long.MAX_VALUE / 2);
            long to = p.integer("to_snapshot", 0, 0, Long.MAX_VALUE / 2);
            int limit = (int) p.integer("limit", 1000, 1, 10_000);
            rates.checkQuery(t.id());
            return limiter.run(t.id(), () -> sized(router, t, query.changes(t, from, to, limit), "changes"));
        });
        router.add("POST", "/v1/analytics/query", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            Params p = new Params(r.query());
            p.allowOnly(Set.of("format"));
            ExportFormat format = ExportFormat.from(p);
            JsonNode body = body(router, r);
            rates.checkQuery(t.id());
            if (format != ExportFormat.JSON) return limiter.run(t.id(), () -> custom.export(t, body, format, exports, r.deadline()));
            return limiter.run(t.id(), () -> sized(router, t, custom.run(t, body, r.deadline()), "rows"));
        });
        router.add("GET", "/v1/analytics/queries", (r, m) -> {
            auth.verifyPaidBearer(r);
            return router.ok(named.list());
        });
        router.add("POST", "/v1/analytics/queries/([^/]+)", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            JsonNode body = r.body().length == 0 ? null : body(router, r);
            rates.checkQuery(t.id());
            return limiter.run(t.id(), () -> sized(router, t, named.run(t, m.group(1), body), "rows"));
        });
    }

    /** {@code order=asc} (oldest first, the default) or {@code desc} (newest first). */
    private static boolean newestFirst(Params p) {
        String o = p.string("order", 8).map(s -> s.toLowerCase(java.util.Locale.ROOT)).orElse("asc");
        if (!o.equals("asc") && !o.equals("desc")) {
            throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'order' must be asc (oldest first) or desc (newest first), got '" + o + "'");
        }
        return o.equals("desc");
    }

    /** The latest rows (fresh by default) or the lake as of {@code as_of}. */
    private static TenantView.At at(Params p) {
        var asOf = p.time("as_of");
        if (asOf.isPresent()) {
            if (p.bool("fresh", false)) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'fresh' cannot be true together with 'as_of' (the hot tier has no history)");
            return new TenantView.AsOfTime(asOf.get());
        }
        return new TenantView.Latest(p.bool("fresh", true));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.HashSet<String> s = new java.util.HashSet<>(a);
        s.addAll(b);
        return s;
    }

    private static long snapshotId(String s) {
        try {
            long id = Long.parseLong(s);
            if (id < 0) throw new NumberFormatException();
            return id;
        } catch (NumberFormatException e) {
            throw new LakelogException(ErrorCode.INVALID_PARAMETER, "path parameter 'id' must be a snapshot id (a whole number >= 0), got '" + s + "'");
        }
    }

    private static JsonNode body(ApiRouter router, ApiRequest r) {
        try {
            JsonNode n = router.mapper().readTree(r.body());
            if (n == null || !n.isObject()) throw new LakelogException(ErrorCode.INVALID_BODY, "the body must be a JSON object");
            return n;
        } catch (java.io.IOException e) {
            throw new LakelogException(ErrorCode.INVALID_BODY, "the body is not valid JSON: " + SqlGuard.firstLine(e.getMessage()));
        }
    }

    /** A 200, or a 413 when the answer would not fit in a Lambda response; never truncated. */
    static ApiResponse sized(ApiRouter router, Object body) {
        ApiResponse resp = router.ok(body);
        if (resp.body().length > MAX_RESPONSE_BYTES) throw BigResults.tooLarge(resp.body().length, "");
        return resp;
    }

    /**
     * A 200 with the answer inline when it fits in a Lambda response; otherwise the rows
     * ({@code body.rowsField}) go to a CSV file in the bucket and the 200 carries its presigned
     * URL instead ({@link BigResults}). Never truncated.
     */
    ApiResponse sized(ApiRouter router, Tenant t, com.fasterxml.jackson.databind.node.ObjectNode body, String rowsField) {
        ApiResponse resp = router.ok(body);
        if (resp.body().length <= MAX_RESPONSE_BYTES) return resp;
        return sized(router, big.spill(t, body, rowsField, resp.body().length));
    }
}
