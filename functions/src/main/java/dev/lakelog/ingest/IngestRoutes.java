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
 * The ingest routes: {@code POST /v1/log}, {@code POST /v1/log/batch} (HMAC-signed),
 * {@code POST /v1/logs} (OTLP/HTTP JSON; HMAC or the tenant's Bearer token). Writes honour
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
        router.add("POST", "/v1/log", counted((r, m) -> {
            Tenant t = auth.verifyHmac(r);
            rates.checkIngest(t.id());
            return idempotency.run(t, r, () -> one(router, t, r));
        }));
        router.add("POST", "/v1/log/batch", counted((r, m) -> {
            Tenant t = auth.verifyHmac(r);
            rates.checkIngest(t.id());
            return idempotency.run(t, r, () -> batch(router, t, r));
        }));
        router.add("POST", "/v1/logs", counted((r, m) -> {
            // A Collector sends only static headers: the tenant's Bearer token, or HMAC if signed.
            Tenant t = r.header("X-Key-Id").isPresent() || r.header("X-Signature").isPresent()
                    ? auth.verifyHmac(r) : auth.verifyBearer(r);
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

    /** Answers an (empty) ExportLogsServiceResponse, which is what an OTLP exporter expects on success. */
    private ApiResponse otlp(ApiRouter router, Tenant t, ApiRequest r) {
        IngestResult res = ingest.ingestOtlp(t, body(r), r.header("Content-Type").orElse(null));
        metrics.eventsAccepted(res.logIds().size());
        return router.ok(router.mapper().createObjectNode());
    }
}
