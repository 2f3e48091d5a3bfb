package dev.lakelog.query;

import dev.lakelog.api.ApiRouter;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;

/** The analytics read routes (paid Bearer token). */
public final class QueryRoutes {
    private final Authenticator auth;
    private final QueryService query;

    public QueryRoutes(Authenticator auth, QueryService query) {
        this.auth = auth;
        this.query = query;
    }

    public void register(ApiRouter router) {
        router.add("GET", "/v1/analytics/logs", (r, m) -> {
            Tenant t = auth.verifyPaidBearer(r);
            return router.ok(query.logs(t, LogFilter.from(new Params(r.query()))));
        });
    }
}
