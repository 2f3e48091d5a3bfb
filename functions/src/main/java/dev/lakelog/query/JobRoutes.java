package dev.lakelog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.Params;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;
import dev.lakelog.throttle.TenantRateLimiter;
import java.util.Set;

/**
 * {@code POST /v1/analytics/jobs} (202 with the job) and {@code GET /v1/analytics/jobs/{id}}: paid
 * Bearer token, the tenant's analytics rate limit, a tenant sees only its own jobs (another
 * tenant's id is 404 job_not_found, as an unknown one). docs/api.md, "Asynchronous queries".
 */
public final class JobRoutes {
    private final Authenticator auth;
    private final QueryJobs jobs;
    private final TenantRateLimiter rates;

    public JobRoutes(Authenticator auth, QueryJobs jobs, TenantRateLimiter rates) {
        this.auth = auth;
        this.jobs = jobs;
        this.rates = rates;
    }

    public void register(ApiRouter router) {
        router.add("POST", "/v1/analytics/jobs", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            new Params(r.query()).allowOnly(Set.of());
            JsonNode body;
            try {
                body = r.body().length == 0 ? null : router.mapper().readTree(r.body());
            } catch (java.io.IOException e) {
                throw new LakelogException(ErrorCode.INVALID_BODY, "the body is not valid JSON: " + SqlGuard.firstLine(e.getMessage()));
            }
            rates.checkQuery(t.id());
            return router.json(202, jobs.submit(t, body));
        });
        router.add("GET", "/v1/analytics/jobs/([^/]+)", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            new Params(r.query()).allowOnly(Set.of());
            rates.checkQuery(t.id());
            return router.ok(jobs.status(t, m.group(1)));
        });
    }
}
