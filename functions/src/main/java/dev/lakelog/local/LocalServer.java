package dev.lakelog.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lakelog.api.ApiErrors;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.log.JsonLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves the API over HTTP on 127.0.0.1 with the JDK's built-in server, handing every request to
 * the same {@link ApiRouter} the Lambda handlers use.
 */
public final class LocalServer implements AutoCloseable {
    /** Larger bodies are refused before they are read whole (API Gateway's limit is 10 MB). */
    public static final int MAX_REQUEST_BYTES = 10 * 1024 * 1024;
    private static final JsonLog LOG = JsonLog.get(LocalServer.class);
    private final HttpServer server;
    private final ExecutorService pool;

    public LocalServer(ApiRouter router, int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        pool = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "lakelog-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", ex -> handle(router, ex));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    private static void handle(ApiRouter router, HttpExchange ex) throws IOException {
        ApiResponse resp;
        ApiRequest req = null;
        try {
            byte[] body = readBody(ex.getRequestBody());
            Map<String, String> headers = new HashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> {
                if (!v.isEmpty()) headers.put(k, v.get(0));
            });
            req = new ApiRequest(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                    parseQuery(ex.getRequestURI().getRawQuery()), headers, body);
            resp = router.handle(req);
        } catch (BodyTooLarge e) {
            resp = ApiErrors.body(ErrorCode.PAYLOAD_TOO_LARGE, "request body is larger than " + MAX_REQUEST_BYTES + " bytes");
        } catch (IllegalArgumentException e) {
            resp = ApiErrors.body(ErrorCode.INVALID_BODY, "malformed request: " + e.getMessage());
        }
        LOG.info("http_request", "method", ex.getRequestMethod(), "path", ex.getRequestURI().getPath(), "status", resp.status());
        resp.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(resp.status(), resp.body().length == 0 ? -1 : resp.body().length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(resp.body());
        }
    }

    private static final class BodyTooLarge extends Exception {}

    private static byte[] readBody(InputStream in) throws IOException, BodyTooLarge {
        byte[] b = in.readNBytes(MAX_REQUEST_BYTES + 1);
        if (b.length > MAX_REQUEST_BYTES) throw new BodyTooLarge();
        return b;
    }

    static Map<String, String> parseQuery(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) return q;
        for (String part : raw.split("&")) {
            if (part.isEmpty()) continue;
            int i = part.indexOf('=');
            String k = URLDecoder.decode(i < 0 ? part : part.substring(0, i), StandardCharsets.UTF_8);
            String v = i < 0 ? "" : URLDecoder.decode(part.substring(i + 1), StandardCharsets.UTF_8);
            q.putIfAbsent(k, v);
        }
        return q;
    }

    @Override
    public void close() {
        server.stop(1);
        pool.shutdownNow();
    }
}
