package dev.lakelog.telemetry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.Params;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;
import dev.lakelog.idempotency.Idempotency;
import dev.lakelog.throttle.TenantRateLimiter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The metrics routes (docs/metrics.md): {@code POST /v1/metrics} (OTLP/HTTP, the credentials of
 * {@code POST /v1/logs}: HMAC, an ingest token or the tenant's Bearer token; honours
 * {@code Idempotency-Key}), {@code GET /v1/analytics/metrics} and
 * {@code POST /v1/analytics/metrics/rollup} (paid-tier Bearer, like the other analytics routes).
 */
public final class MetricsRoutes {
    private final Authenticator auth;
    private final Supplier<MetricsIngestService> ingest;
    private final Supplier<MetricsQueryService> query;
    private final Supplier<MetricsRollupService> rollup;
    private final Idempotency idempotency;
    private final TenantRateLimiter rates;

    /** The services are asked for only by the routes that use them (each function builds only its own). */
    public MetricsRoutes(Authenticator auth, Supplier<MetricsIngestService> ingest, Supplier<MetricsQueryService> query,
            Supplier<MetricsRollupService> rollup,
            Idempotency idempotency, TenantRateLimiter rates) {
        this.auth = auth;
        this.ingest = ingest;
        this.query = query;
        this.rollup = rollup;
        this.idempotency = idempotency;
        this.rates = rates;
    }

    /** {@code POST /v1/metrics}: the ingest function's share. */
    public void registerIngest(ApiRouter router) {
        router.add("POST", "/v1/metrics", (r, m) -> {
            Tenant t = auth.verifyIngest(r, true);
            rates.checkIngest(t.id());
            return idempotency.run(t, r, () -> export(router, t, r));
        });
    }

    /** {@code GET /v1/analytics/metrics}: the query function's share. */
    public void registerQuery(ApiRouter router) {
        router.add("GET", "/v1/analytics/metrics", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            rates.checkQuery(t.id());
            return router.ok(query.get().run(t.id(), parse(r)));
        });
    }

    /** {@code POST /v1/analytics/metrics/rollup}: the maintenance function's share. */
    public void registerRollup(ApiRouter router) {
        router.add("POST", "/v1/analytics/metrics/rollup", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            Params p = new Params(r.query());
            p.allowOnly(Set.of("delete_after_rollup"));
            MetricsRollupService.Report rep = rollup.get().rollupTenant(t.id(), p.bool("delete_after_rollup", false), "rest");
            ObjectNode out = router.mapper().createObjectNode();
            out.put("status", rep.errors().isEmpty() ? "ok" : "completed_with_errors");
            out.put("segments_processed", rep.segmentsProcessed());
            out.put("points_inserted", rep.pointsInserted());
            out.put("segments_deleted", rep.segmentsDeleted());
            if (rep.snapshotId() == null) out.putNull("snapshot_id");
            else out.put("snapshot_id", rep.snapshotId());
            ObjectNode rows = out.putObject("rollup_rows");
            rep.rollupRows().forEach(rows::put);
            rep.errors().forEach(out.putArray("errors")::add);
            return router.ok(out);
        });
    }

    private ApiResponse export(ApiRouter router, Tenant t, ApiRequest r) {
        MetricsIngestService.Outcome o = ingest.get().ingest(t, r.body(), r.header("Content-Encoding").orElse(null), r.header("Content-Type").orElse(null));
        if (o.protobuf()) {
            return new ApiResponse(200, Map.of("Content-Type", "application/x-protobuf"), OtlpMetrics.protobufResponse(o.rejected(), o.errorMessage()));
        }
        ObjectNode out = router.mapper().createObjectNode();
        if (o.rejected() > 0) {
            out.putObject("partialSuccess").put("rejectedDataPoints", Long.toString(o.rejected())).put("errorMessage", o.errorMessage());
        }
        return router.ok(out);
    }

    static final Set<String> QUERY_PARAMS = Set.of("name", "since", "until", "step", "aggregation", "group_by", "filter", "level");

    static MetricsQueryService.Query parse(ApiRequest r) {
        Params p = new Params(r.query());
        p.allowOnly(QUERY_PARAMS);
        String name = p.string("name", 255).orElseThrow(() -> new LakelogException(ErrorCode.INVALID_PARAMETER, "parameter 'name' (the metric) is required"));
        Instant until = p.time("until").orElse(Instant.now());
        Instant since = p.time("since").orElse(until.minus(Duration.ofHours(1)));
        if (!since.isBefore(until)) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "since must be before until");
        long range = Duration.between(since, until).getSeconds();
        long step = p.string("step", 16).map(MetricsQueryService::parseStep)
                .orElse(range <= 6 * 3600 ? 60L : range <= 86400 ? 300L : range <= 14 * 86400 ? 3600L : 86400L);
        String agg = p.string("aggregation", 32).orElse("avg");
        MetricsQueryService.checkAggregation(agg);
        List<String> groupBy = new ArrayList<>();
        p.string("group_by", 1024).ifPresent(g -> {
            for (String k : g.split(",")) {
                if (k.isBlank()) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "group_by has an empty attribute key");
                groupBy.add(k.trim());
            }
        });
        Map<String, String> filters = new LinkedHashMap<>();
        p.string("filter", 2048).ifPresent(f -> {
            for (String kv : f.split(",")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new LakelogException(ErrorCode.INVALID_PARAMETER, "filter must be key=value pairs separated by commas, got '" + kv + "'");
                filters.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        });
        Optional<String> level = p.string("level", 8).filter(l -> !l.equals("auto"));
        return new MetricsQueryService.Query(name, since, until, step, agg, groupBy, filters, level);
    }
}
