package dev.lakelog.handler;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local HTTP endpoint on 127.0.0.1 that answers the IoT data plane's Publish call
 * ({@code POST /topics/<topic>?qos=1}) the way AWS IoT does (200, empty JSON) and records what it
 * received, so the real SDK client can be tested without AWS.
 */
final class RecordingIotEndpoint implements AutoCloseable {
    record Received(String method, String topic, String query, String authorization, String payload) {}

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    RecordingIotEndpoint() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", ex -> {
            String raw = ex.getRequestURI().getRawPath();
            String topic = raw.startsWith("/topics/") ? URLDecoder.decode(raw.substring(8), StandardCharsets.UTF_8) : null;
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(ex.getRequestMethod(), topic, ex.getRequestURI().getRawQuery(),
                    ex.getRequestHeaders().getFirst("Authorization"), body));
            byte[] resp = "{}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, resp.length);
            ex.getResponseBody().write(resp);
            ex.close();
        });
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
