package dev.lakelog.local;

import dev.lakelog.api.ApiResponse;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.api.Params;
import dev.lakelog.auth.TenantStore;
import dev.lakelog.lake.LakeEngine;
import dev.lakelog.log.JsonLog;
import dev.lakelog.storage.BlobStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The local server's operations endpoints, without authentication and without a word of the
 * configuration: {@code GET /healthz} (the process answers), {@code GET /readyz} (the lake is
 * attached and the object store and tenant store answer; 503 naming the failing dependency) and
 * {@code GET /metrics} (Prometheus text format).
 */
public final class OperationsRoutes {
    private static final JsonLog LOG = JsonLog.get(OperationsRoutes.class);
    private final Supplier<LakeEngine> lake;
    private final Supplier<BlobStore> blobs;
    private final Supplier<TenantStore> tenants;
    private final PrometheusMetrics metrics;

    public OperationsRoutes(Supplier<LakeEngine> lake, Supplier<BlobStore> blobs, Supplier<TenantStore> tenants, PrometheusMetrics metrics) {
        this.lake = lake;
        this.blobs = blobs;
        this.tenants = tenants;
        this.metrics = metrics;
    }

    public void register(ApiRouter router) {
        router.add("GET", "/healthz", (r, m) -> {
            new Params(r.query()).allowOnly(Set.of());
            return router.ok(Map.of("status", "ok"));
        });
        router.add("GET", "/readyz", (r, m) -> {
            new Params(r.query()).allowOnly(Set.of());
            Map<String, String> checks = new LinkedHashMap<>();
            List<String> failing = new ArrayList<>();
            check("lake", checks, failing, () -> {
                try (Connection c = lake.get().connect(); Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT count(*) FROM lake.snapshots()")) {
                    rs.next();
                }
            });
            check("object_store", checks, failing, () -> blobs.get().get("readyz/probe"));
            check("tenant_store", checks, failing, () -> tenants.get().tenant("readyz-probe"));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", failing.isEmpty() ? "ready" : "unavailable");
            body.put("checks", checks);
            if (!failing.isEmpty()) body.put("failing", failing);
            ApiResponse resp = router.json(failing.isEmpty() ? 200 : 503, body);
            return failing.isEmpty() ? resp : resp.withHeaders(Map.of("Retry-After", "5"));
        });
        router.add("GET", "/metrics", (r, m) -> new ApiResponse(200, Map.of("Content-Type", PrometheusMetrics.CONTENT_TYPE), metrics.scrape()));
    }

    private interface Check {
        void run() throws Exception;
    }

    private static void check(String name, Map<String, String> checks, List<String> failing, Check c) {
        try {
            c.run();
            checks.put(name, "ok");
        } catch (Exception e) {
            // the reason goes to the log only: the endpoint is unauthenticated
            LOG.warn("readiness_check_failed", "dependency", name, "error", e.getClass().getSimpleName());
            checks.put(name, "failing");
            failing.add(name);
        }
    }
}
