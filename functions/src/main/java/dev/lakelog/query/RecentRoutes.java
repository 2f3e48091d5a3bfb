package dev.lakelog.query;

import dev.lakelog.api.ApiRouter;
import dev.lakelog.api.Params;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code GET /v1/logs/recent}: the caller's events still in the hot tier (Bearer, any tier). */
public final class RecentRoutes {
    private final Authenticator auth;
    private final HotTierReader recent;

    public RecentRoutes(Authenticator auth, HotTierReader recent) {
        this.auth = auth;
        this.recent = recent;
    }

    public void register(ApiRouter router) {
        router.add("GET", "/v1/logs/recent", (r, m) -> {
            Tenant t = auth.verifyBearer(r);
            Params p = new Params(r.query());
            p.allowOnly(LogFilter.PARAMETERS);
            int limit = (int) p.integer("limit", HotTierReader.DEFAULT_LIMIT, 1, HotTierReader.MAX_LIMIT);
            Map<String, String> q = new HashMap<>(r.query());
            q.remove("limit");
            return router.ok(recent.recent(t, LogFilter.from(new Params(q)), limit));
        });
    }
}
