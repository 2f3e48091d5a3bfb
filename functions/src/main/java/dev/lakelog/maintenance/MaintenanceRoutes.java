package dev.lakelog.maintenance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;
import dev.lakelog.api.Params;
import java.util.Optional;

/**
 * {@code POST /v1/analytics/maintenance/{compact,cleanup,expire-snapshots,retention}}, paid Bearer.
 *
 * <p>compact, cleanup and expire-snapshots act on the whole lake (DuckLake's functions work per
 * catalog or table, not per partition) and shorten every tenant's time travel, so they need an
 * operator token (or the schedule); a tenant's token gets 403. retention with a tenant's token
 * deletes that tenant's expired rows only; with an operator token, every tenant's (docs/maintenance.md).
 */
public final class MaintenanceRoutes {
    private final Authenticator auth;
    private final MaintenanceService maintenance;

    public MaintenanceRoutes(Authenticator auth, MaintenanceService maintenance) {
        this.auth = auth;
        this.maintenance = maintenance;
    }

    public void register(ApiRouter router) {
        for (String job : MaintenanceJobs.NAMES) {
            router.add("POST", "/v1/analytics/maintenance/" + job, (r, m) -> {
                Object result;
                if (job.equals(MaintenanceJobs.RETENTION)) {
                    // retention: an operator runs it for every tenant (and rewrites the files);
                    // a tenant for its own rows only (deleted, not rewritten: rewriting would touch
                    // other tenants' files, which is the operator's scheduled work)
                    Optional<String> operator = auth.operatorOf(r);
                    if (operator.isPresent()) {
                        result = MaintenanceJobs.run(maintenance, job, new Params(r.query()), "rest-operator", false, Optional.empty());
                    } else {
                        Tenant t = auth.verifyPaidBearer(r);
                        result = MaintenanceJobs.run(maintenance, job, new Params(r.query()), "rest", false, Optional.of(t.id()));
                    }
                } else {
                    auth.verifyOperator(r);
                    result = MaintenanceJobs.run(maintenance, job, new Params(r.query()), "rest-operator", false, Optional.empty());
                }
                return ok(router, result);
            });
        }
    }

    private static dev.lakelog.api.ApiResponse ok(ApiRouter router, Object result) {
        ObjectNode out = router.mapper().createObjectNode().put("status", "ok");
        ObjectNode fields = router.mapper().valueToTree(MaintenanceService.toJson(result));
        // The FlightRecorder shape has the job's fields at the top level; "result" stays beside them.
        out.setAll(fields);
        out.set("result", fields.deepCopy());
        return router.ok(out);
    }
}
