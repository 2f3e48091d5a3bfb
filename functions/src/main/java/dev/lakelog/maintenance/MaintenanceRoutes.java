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
 * catalog or table, not per partition); they change no row, only how rows are stored and how
 * far back time travel reaches, so any paid tenant may trigger them (see docs/maintenance.md).
 * retention acts on the caller's tenant only.
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
                Tenant t = auth.verifyPaidBearer(r);
                Object result = MaintenanceJobs.run(maintenance, job, new Params(r.query()), "rest", false,
                        Optional.of(t.id()));
                return ok(router, result);
            });
        }
    }

    private static dev.lakelog.api.ApiResponse ok(ApiRouter router, Object result) {
        ObjectNode out = router.mapper().createObjectNode().put("status", "ok");
        out.set("result", router.mapper().valueToTree(MaintenanceService.toJson(result)));
        return router.ok(out);
    }
}
