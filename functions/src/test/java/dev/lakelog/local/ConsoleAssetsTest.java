package dev.lakelog.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.testing.LakelogFixture;
import java.net.URI;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's static files on the local server: at /, with their content types, no token, never over an API path. */
class ConsoleAssetsTest {
    static LakelogFixture fx;
    static LocalServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        fx = LakelogFixture.local();
        server = new LocalServer(fx.app().router(), 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        fx.close();
    }

    static HttpResponse<String> get(String path, String method) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void the_page_is_served_at_the_root_without_a_token_with_a_strict_content_security_policy() throws Exception {
        HttpResponse<String> r = get("/", "GET");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'").contains("frame-ancestors 'none'");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(r.body()).contains("<script src=\"app.js\"></script>");
    }

    @Test
    void the_bundle_files_have_their_content_types_and_head_answers_without_a_body() throws Exception {
        assertThat(get("/app.js", "GET").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("/app.css", "GET").headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        HttpResponse<String> head = get("/index.html", "HEAD");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void api_paths_unknown_files_and_traversal_go_to_the_router_not_the_file_system() throws Exception {
        HttpResponse<String> api = get("/v1/analytics/info", "GET");
        assertThat(api.statusCode()).isEqualTo(401);
        assertThat(get("/nosuch.js", "GET").statusCode()).isEqualTo(404);
        assertThat(get("/..%2fpom.xml", "GET").statusCode()).isIn(400, 404); // Jetty refuses the ambiguous path itself
        assertThat(get("/", "POST").statusCode()).isEqualTo(404);
    }

    @Test
    void without_a_bundle_the_root_says_in_words_how_to_build_it() throws Exception {
        Path empty = Files.createTempDirectory("no-console");
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {empty.toUri().toURL()}, null)) {
            ConsoleAssets assets = new ConsoleAssets(loader);
            assertThat(assets.claims("GET", "/")).isTrue();
            var r = assets.serve("/");
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.bodyText()).contains("web console is not in this build").contains("mvn -B -pl functions install");
        }
    }
}
