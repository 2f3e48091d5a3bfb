package dev.lakelog.local;

import dev.lakelog.api.ApiErrors;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.api.ApiRouter;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.log.JsonLog;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Serves the API over HTTP on 127.0.0.1 (Jetty), handing every request to the same
 * {@link ApiRouter} the Lambda handlers use.
 *
 * <p>The front door holds against slow or hostile clients: headers are parsed as bytes arrive,
 * without a thread waiting on a socket, so slow senders never take the workers away from others;
 * a connection that sends nothing for {@link #IDLE_TIMEOUT_MS} is closed, a body slower than
 * {@link #MIN_BODY_BYTES_PER_SECOND} is cut off, headers are limited to {@link #MAX_HEADER_BYTES},
 * and at most {@link #MAX_CONNECTIONS} connections are open at once (further ones wait in the
 * accept queue). Heavy queries are bounded by the core ({@code query.QueryLimiter}), so ingest and
 * cheap reads always find a worker.
 */
public final class LocalServer implements AutoCloseable {
    /** Larger bodies are refused before they are read whole (API Gateway's limit is 10 MB). */
    public static final int MAX_REQUEST_BYTES = 10 * 1024 * 1024;
    public static final long IDLE_TIMEOUT_MS = 10_000;
    public static final long MIN_BODY_BYTES_PER_SECOND = 4 * 1024;
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    public static final int MAX_CONNECTIONS = 512;
    public static final int MAX_THREADS = 64;
    private static final JsonLog LOG = JsonLog.get(LocalServer.class);
    private final Server server;
    private final ServerConnector connector;

    public LocalServer(ApiRouter router, int port) throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 8);
        threads.setName("lakelog-http");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(true);
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setIdleTimeout(IDLE_TIMEOUT_MS);
        http.setMinRequestDataRate(MIN_BODY_BYTES_PER_SECOND);
        connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        connector.setAcceptQueueSize(128);
        server.addConnector(connector);
        server.addBean(new ConnectionLimit(MAX_CONNECTIONS, server));
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                serve(router, request, response, callback);
                return true;
            }
        });
        server.setStopTimeout(2_000);
        try {
            server.start();
        } catch (Exception e) {
            throw new IOException("cannot start the local server on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return connector.getLocalPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    private static final ConsoleAssets CONSOLE = new ConsoleAssets();

    private static void serve(ApiRouter router, Request request, Response response, Callback callback) {
        ApiResponse resp;
        String path = request.getHttpURI().getDecodedPath();
        if (CONSOLE.claims(request.getMethod(), path)) {
            ApiResponse file = CONSOLE.serve(path);
            response.setStatus(file.status());
            file.headers().forEach((k, v) -> response.getHeaders().put(k, v));
            response.write(true, ByteBuffer.wrap(request.getMethod().equals("HEAD") ? new byte[0] : file.body()), callback);
            return;
        }
        try {
            byte[] body = readBody(request);
            Map<String, String> headers = new HashMap<>();
            for (HttpField f : request.getHeaders()) headers.putIfAbsent(f.getName(), f.getValue());
            ApiRequest req = new ApiRequest(request.getMethod(), path, parseQuery(request.getHttpURI().getQuery()), headers, body);
            resp = router.handle(req);
        } catch (BodyTooLarge e) {
            resp = ApiErrors.body(ErrorCode.PAYLOAD_TOO_LARGE, "request body is larger than " + MAX_REQUEST_BYTES + " bytes");
        } catch (IllegalArgumentException e) {
            resp = ApiErrors.body(ErrorCode.INVALID_BODY, "malformed request: " + e.getMessage());
        } catch (IOException e) {
            // the client went away or sent its body too slowly: nothing to answer
            LOG.info("http_request_aborted", "method", request.getMethod(), "path", path, "error", e.getMessage());
            callback.failed(e);
            return;
        }
        LOG.info("http_request", "method", request.getMethod(), "path", path, "status", resp.status());
        response.setStatus(resp.status());
        resp.headers().forEach((k, v) -> response.getHeaders().put(k, v));
        response.write(true, ByteBuffer.wrap(resp.body()), callback);
    }

    private static final class BodyTooLarge extends Exception {}

    private static byte[] readBody(Request request) throws IOException, BodyTooLarge {
        long declared = request.getLength();
        if (declared > MAX_REQUEST_BYTES) throw new BodyTooLarge();
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] b = in.readNBytes(MAX_REQUEST_BYTES + 1);
            if (b.length > MAX_REQUEST_BYTES) throw new BodyTooLarge();
            return b;
        }
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
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("local_server_stop_failed", "error", e.getMessage());
        }
    }
}
