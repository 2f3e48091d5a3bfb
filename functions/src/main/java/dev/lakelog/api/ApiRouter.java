package dev.lakelog.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.Tenant;
import dev.lakelog.ingest.IngestResult;
import dev.lakelog.ingest.IngestService;
import dev.lakelog.query.LogFilter;
import dev.lakelog.query.Params;
import dev.lakelog.query.QueryService;
import dev.lakelog.rollup.RollupReport;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.rollup.RollupService;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps method and path to the core services; authenticates per route. The Lambda handlers and
 * the local server both hand every request to {@link #handle}.
 */
public final class ApiRouter {
    private final Authenticator auth;
    private final IngestService ingest;
    private final RollupService rollup;
    private final QueryService query;
    private final ObjectMapper json;
    private final List<Route> routes = new ArrayList<>();

    private record Route(String method, Pattern path, BiFunction<ApiRequest, Matcher, ApiResponse> action) {}

    public ApiRouter(Authenticator auth, IngestService ingest, RollupService rollup, QueryService query, ObjectMapper json) {
        this.auth = auth;
        this.ingest = ingest;
        this.rollup = rollup;
        this.query = query;
        this.json = json;
        add("POST", "/v1/log", (r, m) -> ingestOne(r));
        add("POST", "/v1/log/batch", (r, m) -> ingestBatch(r));
        add("GET", "/v1/analytics/logs", (r, m) -> logs(r));
        add("POST", "/v1/analytics/rollup", (r, m) -> rollup(r));
    }

    /** Registers a route; {@code path} is a regex over the whole path. */
    public void add(String method, String path, BiFunction<ApiRequest, Matcher, ApiResponse> action) {
        routes.add(new Route(method, Pattern.compile(path), action));
    }

    public ApiResponse handle(ApiRequest req) {
        try {
            boolean pathKnown = false;
            for (Route r : routes) {
                Matcher m = r.path().matcher(req.path());
                if (!m.matches()) continue;
                pathKnown = true;
                if (r.method().equals(req.method())) return r.action().apply(req, m);
            }
            if (pathKnown) return ApiErrors.body(405, "method " + req.method() + " is not allowed on " + req.path());
            return ApiErrors.body(404, "no route " + req.method() + " " + req.path());
        } catch (RuntimeException e) {
            return ApiErrors.toResponse(e, req);
        }
    }

    public ApiResponse ok(Object body) {
        try {
            return ApiResponse.json(200, json.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ApiResponse ingestOne(ApiRequest r) {
        Tenant t = auth.verifyHmac(r);
        IngestResult res = ingest.ingestOne(t, r.body(), r.header("Content-Type").orElse(null));
        ObjectNode out = json.createObjectNode().put("status", "ok").put("log_id", res.logIds().get(0));
        return ok(out);
    }

    private ApiResponse ingestBatch(ApiRequest r) {
        Tenant t = auth.verifyHmac(r);
        IngestResult res = ingest.ingestBatch(t, r.body(), r.header("Content-Type").orElse(null));
        ObjectNode out = json.createObjectNode().put("status", "ok").put("accepted", res.logIds().size());
        res.logIds().forEach(out.putArray("log_ids")::add);
        return ok(out);
    }

    private ApiResponse logs(ApiRequest r) {
        Tenant t = auth.verifyPaidBearer(r);
        return ok(query.logs(t, LogFilter.from(new Params(r.query()))));
    }

    private ApiResponse rollup(ApiRequest r) {
        Tenant t = auth.verifyPaidBearer(r);
        boolean delete = new Params(r.query()).bool("delete_after_rollup", false);
        RollupReport report = rollup.rollup(new RollupRequest("rest", Optional.of(t.id()), Duration.ZERO, delete));
        ObjectNode out = json.createObjectNode().put("status", "ok");
        out.set("result", json.valueToTree(report));
        return ok(out);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
