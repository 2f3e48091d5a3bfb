package dev.lakelog.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.metrics.Metrics;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps method and path to an action. Each capability registers its own routes
 * ({@code IngestRoutes}, {@code QueryRoutes}, ...); the Lambda handlers and the local server
 * both hand every request to {@link #handle}, and every failure becomes an answer through
 * {@link ApiErrors}.
 */
public final class ApiRouter {
    private final ObjectMapper json;
    private final Metrics metrics;
    private final List<Route> routes = new ArrayList<>();
    private AccessRecorder recorder;
    private java.util.function.Predicate<String> recordedPaths;

    private record Route(String method, Pattern path, BiFunction<ApiRequest, Matcher, ApiResponse> action) {}

    public ApiRouter(ObjectMapper json) {
        this(json, Metrics.NONE);
    }

    /** A router that records every request (route pattern, status, error code, duration) in {@code metrics}. */
    public ApiRouter(ObjectMapper json, Metrics metrics) {
        this.json = json;
        this.metrics = metrics;
    }

    /**
     * Records every request whose path {@code paths} accepts in {@code r} (the access
     * trail), whichever route serves it, after it is answered, failures included. When recording
     * fails the answer is withheld: 503 {@code access_trail_unavailable} (docs/integrity.md#access-trail).
     */
    public ApiRouter recordAccess(java.util.function.Predicate<String> paths, AccessRecorder r) {
        this.recordedPaths = paths;
        this.recorder = r;
        return this;
    }

    /** Registers a route; {@code path} is a regex matched against the whole path. */
    public ApiRouter add(String method, String path, BiFunction<ApiRequest, Matcher, ApiResponse> action) {
        routes.add(new Route(method, Pattern.compile(path), action));
        return this;
    }

    public ApiResponse handle(ApiRequest req) {
        long t0 = System.nanoTime();
        String route = "unmatched";
        ApiResponse resp;
        try {
            resp = null;
            boolean pathKnown = false;
            for (Route r : routes) {
                Matcher m = r.path().matcher(req.path());
                if (!m.matches()) continue;
                pathKnown = true;
                if (r.method().equals(req.method())) {
                    route = r.path().pattern();
                    resp = r.action().apply(req, m);
                    break;
                }
            }
            if (resp == null) {
                resp = pathKnown ? ApiErrors.body(ErrorCode.METHOD_NOT_ALLOWED, "method " + req.method() + " is not allowed on " + req.path())
                        : ApiErrors.body(ErrorCode.ROUTE_NOT_FOUND, "no route " + req.method() + " " + req.path());
            }
        } catch (RuntimeException e) {
            resp = ApiErrors.toResponse(e, req);
        }
        if (recorder != null && recordedPaths.test(req.path())) {
            try {
                recorder.record(req, route, resp, System.nanoTime() - t0);
            } catch (RuntimeException e) {
                resp = ApiErrors.body(ErrorCode.ACCESS_TRAIL_UNAVAILABLE, "the call was answered but its access record could not be "
                        + "written, so the answer is withheld (a change it made stands); retry later");
            }
        }
        metrics.request(route, req.method(), resp.status(), resp.status() >= 400 ? ApiErrors.codeOf(resp) : "", System.nanoTime() - t0);
        return resp;
    }

    /** A 200 answer with {@code body} as JSON. */
    public ApiResponse ok(Object body) {
        return json(200, body);
    }

    public ApiResponse json(int status, Object body) {
        try {
            return ApiResponse.json(status, json.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The registered routes as {@code "METHOD regex"}, in registration order (docs/openapi.yaml is checked against them). */
    public List<String> routes() {
        return routes.stream().map(r -> r.method() + " " + r.path().pattern()).toList();
    }

    public ObjectMapper mapper() {
        return json;
    }
}
