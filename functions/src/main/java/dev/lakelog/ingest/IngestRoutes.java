package dev.lakelog.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;

/** The ingest routes: {@code POST /v1/log}, {@code POST /v1/log/batch} (HMAC-signed). */
public final class IngestRoutes {
    private final Authenticator auth;
    private final IngestService ingest;

    public IngestRoutes(Authenticator auth, IngestService ingest) {
        this.auth = auth;
        this.ingest = ingest;
    }

    public void register(ApiRouter router) {
        router.add("POST", "/v1/log", (r, m) -> one(router, r));
        router.add("POST", "/v1/log/batch", (r, m) -> batch(router, r));
    }

    private ApiResponse one(ApiRouter router, ApiRequest r) {
        Tenant t = auth.verifyHmac(r);
        IngestResult res = ingest.ingestOne(t, r.body(), r.header("Content-Type").orElse(null));
        ObjectNode out = router.mapper().createObjectNode().put("status", "ok").put("log_id", res.logIds().get(0));
        return router.ok(out);
    }

    private ApiResponse batch(ApiRouter router, ApiRequest r) {
        Tenant t = auth.verifyHmac(r);
        IngestResult res = ingest.ingestBatch(t, r.body(), r.header("Content-Type").orElse(null));
        ObjectNode out = router.mapper().createObjectNode().put("status", "ok").put("accepted", res.logIds().size());
        res.logIds().forEach(out.putArray("log_ids")::add);
        return router.ok(out);
    }
}
