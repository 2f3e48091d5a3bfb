package dev.lakelog.maintenance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;
import dev.lakelog.query.Params;
import java.util.Optional;
import java.util.Set;

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
        String base = "/v1/analytics/maintenance/";
        router.add("POST", base + "compact", (r, m) -> {
            auth.verifyPaidBearer(r);
            new Params(r.query()).allowOnly(Set.of());
            return ok(router, maintenance.compact("rest"));
        });
        router.add("POST", base + "cleanup", (r, m) -> {
            auth.verifyPaidBearer(r);
            Params p = new Params(r.query());
            p.allowOnly(Set.of("older_than_hours", "dry_run"));
            long hours = p.integer("older_than_hours", 168, 1, 8760);
            boolean dryRun = p.bool("dry_run", true);
            return ok(router, maintenance.cleanup("rest", hours, dryRun));
        });
        router.add("POST", base + "expire-snapshots", (r, m) -> {
            auth.verifyPaidBearer(r);
            Params p = new Params(r.query());
            p.allowOnly(Set.of("older_than_days"));
            long days = p.integer("older_than_days", 90, 1, 3650);
            return ok(router, maintenance.expireSnapshots("rest", days));
        });
        router.add("POST", base + "retention", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            new Params(r.query()).allowOnly(Set.of());
            return ok(router, maintenance.retention("rest", Optional.of(t.id())));
        });
    }

    private static dev.lakelog.api.ApiResponse ok(ApiRouter router, Object result) {
        ObjectNode out = router.mapper().createObjectNode().put("status", "ok");
        out.set("result", router.mapper().valueToTree(MaintenanceService.toJson(result)));
        return router.ok(out);
    }
}
