package dev.lakelog.local;

import dev.lakelog.api.ApiErrors;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.api.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web console's static files (built by the Maven build from functions/src/main/console into
 * the jar's {@code console/} directory), served at {@code /} without authentication: the page holds
 * no data; every API call it makes carries the Bearer token the user signs in with.
 */
public final class ConsoleAssets {
    static final String ROOT = "console/";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml", "png", "image/png", "ico", "image/x-icon", "txt", "text/plain; charset=utf-8", "json", "application/json");
    private final ClassLoader loader;
    private final Map<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();

    public ConsoleAssets() {
        this(ConsoleAssets.class.getClassLoader());
    }

    ConsoleAssets(ClassLoader loader) {
        this.loader = loader;
    }

    /** Whether {@code path} is the console's to answer: {@code /} or a file of the bundle; never an API path. */
    public boolean claims(String method, String path) {
        if (!method.equals("GET") && !method.equals("HEAD")) return false;
        if (path.equals("/") || path.equals("/index.html")) return true;
        if (path.startsWith("/v1/") || path.contains("..") || !path.matches("/[A-Za-z0-9._-]+")) return false;
        return read(path.substring(1)).isPresent();
    }

    /** The file, or a 404 saying the console is not part of this build. */
    public ApiResponse serve(String path) {
        String name = path.equals("/") ? "index.html" : path.substring(1);
        Optional<byte[]> body = read(name);
        if (body.isEmpty()) {
            return ApiErrors.body(ErrorCode.ROUTE_NOT_FOUND, "the web console is not in this build (no " + ROOT + name
                    + " on the class path); build it with `mvn -B -pl functions install -DskipTests` (needs npm), or use the API under /v1/");
        }
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return new ApiResponse(200, Map.of(
                "Content-Type", TYPES.getOrDefault(ext, "application/octet-stream"),
                "Cache-Control", name.equals("index.html") ? "no-cache" : "public, max-age=300",
                "X-Content-Type-Options", "nosniff",
                "X-Frame-Options", "DENY",
                "Referrer-Policy", "no-referrer",
                "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; script-src 'self'; frame-ancestors 'none'"),
                body.get());
    }

    private Optional<byte[]> read(String name) {
        return cache.computeIfAbsent(name, n -> {
            try (InputStream in = loader.getResourceAsStream(ROOT + n)) {
                return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the console file " + n, e);
            }
        });
    }
}
