package dev.lakelog.rollup;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;
import dev.lakelog.api.Params;
import java.time.Duration;
import java.util.Optional;

/** {@code POST /v1/analytics/rollup?delete_after_rollup=}: the caller's tenant, all segments, now. */
public final class RollupRoutes {
    private final Authenticator auth;
    private final RollupService rollup;

    public RollupRoutes(Authenticator auth, RollupService rollup) {
        this.auth = auth;
        this.rollup = rollup;
    }

    public void register(ApiRouter router) {
        router.add("POST", "/v1/analytics/rollup", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            Params p = new Params(r.query());
            p.allowOnly(java.util.Set.of("delete_after_rollup"));
            boolean delete = p.bool("delete_after_rollup", false);
            RollupReport report = rollup.rollup(new RollupRequest("rest", Optional.of(t.id()), Duration.ZERO, delete));
            ObjectNode out = router.mapper().createObjectNode().put("status", "ok");
            out.set("result", router.mapper().valueToTree(report));
            return router.ok(out);
        });
    }
}
