package dev.lakelog.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;
import dev.lakelog.api.LakelogException;
import dev.lakelog.idempotency.Idempotency;
import dev.lakelog.throttle.TenantRateLimiter;
import dev.lakelog.metrics.Metrics;

/**
 * The ingest routes: {@code POST /v1/log}, {@code POST /v1/log/batch} (HMAC-signed, or an ingest token),
 * {@code POST /v1/logs} (OTLP/HTTP protobuf or JSON; HMAC, an ingest token or the tenant's Bearer token). Writes honour
 * {@code Idempotency-Key}. (The hot-tier read {@code GET /v1/logs/recent} is a query: {@code query.RecentRoutes}.)
 */
public final class IngestRoutes {
    private final Authenticator auth;
    private final IngestService ingest;
    private final Idempotency idempotency;
    private final Metrics metrics;

    private final TenantRateLimiter rates;

    public IngestRoutes(Authenticator auth, IngestService ingest, Idempotency idempotency, Metrics metrics) {
        this(auth, ingest, idempotency, metrics, TenantRateLimiter.NONE);
    }

    /** As above, with each tenant's ingest requests taken from its token bucket (429 rate_limited when empty). */
    public IngestRoutes(Authenticator auth, IngestService ingest, Idempotency idempotency, Metrics metrics, TenantRateLimiter rates) {
        this.rates = rates;
        this.auth = auth;
        this.ingest = ingest;
        this.idempotency = idempotency;
        this.metrics = metrics;
    }

    /** Counts the request's events when accepted, its error code when refused. */
    private java.util.function.BiFunction<ApiRequest, java.util.regex.Matcher, ApiResponse> counted(
            java.util.function.BiFunction<ApiRequest, java.util.regex.Matcher, ApiResponse> action) {
        return (r, m) -> {
            try {
                return action.apply(r, m);
            } catch (LakelogException e) {
                metrics.ingestRejected(e.code().wireName());
                throw e;
            }
        };
    }

    public void register(ApiRouter router) {
        // HMAC, or a write-only ingest token for shippers that cannot sign each body (docs/producers.md).
        router.add("POST", "/v1/log", counted((r, m) -> {
            Tenant t = auth.verifyIngest(r, false);
            rates.checkIngest(t.id());
            return idempotency.run(t, r, () -> one(router, t, r));
        }));
        router.add("POST", "/v1/log/batch", counted((r, m) -> {
            Tenant t = auth.verifyIngest(r, false);
            rates.checkIngest(t.id());
            return idempotency.run(t, r, () -> batch(router, t, r));
        }));
        router.add("POST", "/v1/logs", counted((r, m) -> {
            // A Collector sends only static headers: an ingest token, the tenant's Bearer token, or HMAC if signed.
            Tenant t = auth.verifyIngest(r, true);
            rates.checkIngest(t.id());
            return idempotency.run(t, r, () -> otlp(router, t, r));
        }));
    }

    private byte[] body(ApiRequest r) {
        return IngestService.decodeBody(r.body(), r.header("Content-Encoding").orElse(null));
    }

    private ApiResponse one(ApiRouter router, Tenant t, ApiRequest r) {
        IngestResult res = ingest.ingestOne(t, body(r), r.header("Content-Type").orElse(null));
        metrics.eventsAccepted(res.logIds().size());
        ObjectNode out = router.mapper().createObjectNode().put("status", "ok").put("log_id", res.logIds().get(0));
        return router.ok(out);
    }

    private ApiResponse batch(ApiRouter router, Tenant t, ApiRequest r) {
        IngestResult res = ingest.ingestBatch(t, body(r), r.header("Content-Type").orElse(null));
        metrics.eventsAccepted(res.logIds().size());
        ObjectNode out = router.mapper().createObjectNode().put("status", "ok").put("accepted", res.logIds().size());
        res.logIds().forEach(out.putArray("log_ids")::add);
        return router.ok(out);
    }

    /**
     * Answers an {@code ExportLogsServiceResponse} in the request's encoding: empty when every record
     * was stored, else with {@code partial_success} (rejected count and a message naming each record).
     */
    private ApiResponse otlp(ApiRouter router, Tenant t, ApiRequest r) {
        IngestService.OtlpOutcome res = ingest.ingestOtlp(t, body(r), r.header("Content-Type").orElse(null));
        metrics.eventsAccepted(res.written().logIds().size());
        if (res.rejected() > 0) metrics.ingestRejected(dev.lakelog.api.ErrorCode.INVALID_EVENT.wireName());
        if (res.protobuf()) {
            return new ApiResponse(200, java.util.Map.of("Content-Type", "application/x-protobuf"),
                    OtlpProtobuf.response(res.rejected(), res.errorMessage()));
        }
        ObjectNode out = router.mapper().createObjectNode();
        if (res.rejected() > 0) {
            // protobuf JSON mapping: int64 as a decimal string, lowerCamelCase names
            out.putObject("partialSuccess").put("rejectedLogRecords", Long.toString(res.rejected()))
                    .put("errorMessage", res.errorMessage());
        }
        return router.ok(out);
    }
}
