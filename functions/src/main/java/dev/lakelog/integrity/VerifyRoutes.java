package dev.lakelog.integrity;

import dev.lakelog.api.ApiRouter;
import dev.lakelog.api.Params;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;
import dev.lakelog.lake.IntegrityVerifier;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /v1/analytics/verify}: with an operator token the whole lake (or {@code tenant_id});
 * with a tenant's Bearer token that tenant's files, rows and segments (the chain and the anchor are
 * always checked whole; answers name no other tenant). {@code since_snapshot} limits the re-hash of
 * data files to those added at or after that snapshot. 200 with {@code status} ok or broken.
 */
public final class VerifyRoutes {
    private final Authenticator auth;
    private final VerifyService verify;

    public VerifyRoutes(Authenticator auth, VerifyService verify) {
        this.auth = auth;
        this.verify = verify;
    }

    public void register(ApiRouter router) {
        router.add("GET", "/v1/analytics/verify", (r, m) -> {
            Params p = new Params(r.query());
            Optional<String> operator = auth.operatorOf(r);
            Optional<String> tenant;
            if (operator.isPresent()) {
                p.allowOnly(Set.of("tenant_id", "since_snapshot"));
                tenant = p.string("tenant_id", 128);
            } else {
                Tenant t = auth.verifyBearer(r);
                p.allowOnly(Set.of("since_snapshot"));
                tenant = Optional.of(t.id());
            }
            long since = p.integer("since_snapshot", -1, 0, Long.MAX_VALUE);
            Optional<Long> sinceSnapshot = since < 0 ? Optional.empty() : Optional.of(since);
            IntegrityVerifier.Report report = verify.verify(tenant, sinceSnapshot, s -> {});
            return router.ok(router.mapper().valueToTree(VerifyService.toJson(report, tenant, sinceSnapshot)));
        });
    }
}
