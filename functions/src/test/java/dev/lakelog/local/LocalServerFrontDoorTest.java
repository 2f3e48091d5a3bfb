package dev.lakelog.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.auth.Tier;
import dev.lakelog.query.AnalyticsQueryTest;
import dev.lakelog.query.SandboxLimitsTest;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local server over real sockets: slow and stalled clients do not stop it serving others, a
 * silent connection is closed, and one tenant's heavy queries leave the others' cheap reads and
 * ingest answering while they run.
 */
class LocalServerFrontDoorTest {
    static LakelogFixture fx;
    static LocalServer server;
    static LakelogFixture.TenantCredentials heavy;
    static LakelogFixture.TenantCredentials other;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        fx = LakelogFixture.local();
        heavy = fx.createTenant("heavy", Tier.PAID);
        other = fx.createTenant("other", Tier.PAID);
        AnalyticsQueryTest.fx = fx;
        AnalyticsQueryTest.ingest(heavy, AnalyticsQueryTest.events("h", 20, Instant.parse("2026-11-20T00:00:00Z"), Duration.ofMinutes(1)));
        fx.app().rollup().rollup(new RollupRequest("test", Optional.empty(), Duration.ZERO, true));
        server = new LocalServer(fx.app().router(), 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        fx.close();
    }

    static HttpResponse<String> info(LakelogFixture.TenantCredentials t) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/analytics/info"))
                .header("Authorization", "Bearer " + t.token()).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> ingest(LakelogFixture.TenantCredentials t) throws Exception {
        var req = LakelogFixture.signedJson(t, "/v1/log", "{\"timestamp\":\"2026-11-20T00:00:00Z\",\"event_type\":\"E\","
                + "\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}");
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + "/v1/log")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(req.body()));
        req.headers().forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void clients_that_stall_in_their_headers_or_body_do_not_stop_others_being_served() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 24; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                OutputStream out = s.getOutputStream();
                if (i % 2 == 0) {
                    out.write("GET /v1/analytics/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                } else {
                    out.write(("POST /v1/log HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
                            .getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                slow.add(s);
            }
            long t0 = System.nanoTime();
            HttpResponse<String> r = info(other);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("info answered in " + ms + " ms with " + slow.size() + " stalled connections open");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(ingest(other).statusCode()).isEqualTo(200);
            assertThat(slow).allSatisfy(s -> assertThat(s.isClosed()).isFalse());

            // a connection that sends nothing more is closed by the server after the idle timeout
            Socket quiet = slow.get(0);
            quiet.setSoTimeout((int) (LocalServer.IDLE_TIMEOUT_MS * 3));
            InputStream in = quiet.getInputStream();
            long waited = System.nanoTime();
            int first;
            try {
                first = in.read();
                while (first != -1 && in.read() != -1) { /* an error answer, then the close */ }
            } catch (java.net.SocketException reset) {
                first = -1;
            }
            long closedAfter = (System.nanoTime() - waited) / 1_000_000;
            System.out.println("stalled connection closed by the server after " + closedAfter + " ms");
        } finally {
            for (Socket s : slow) s.close();
        }
    }

    @Test
    void one_tenants_eight_heavy_queries_leave_another_tenants_info_and_ingest_answering() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> queries = new ArrayList<>();
        String body = "{\"query\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(SandboxLimitsTest.SPILLING) + "}";
        for (int i = 0; i < 8; i++) {
            queries.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(server.url() + "/v1/analytics/query"))
                    .header("Authorization", "Bearer " + heavy.token()).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(500); // the heavy queries are running now
        long t0 = System.nanoTime();
        HttpResponse<String> info = info(other);
        long infoMs = (System.nanoTime() - t0) / 1_000_000;
        long t1 = System.nanoTime();
        HttpResponse<String> in = ingest(other);
        long ingestMs = (System.nanoTime() - t1) / 1_000_000;
        long stillRunning = queries.stream().filter(f -> !f.isDone()).count();
        System.out.println("while " + stillRunning + " heavy queries ran: info " + infoMs + " ms, ingest " + ingestMs + " ms");
        assertThat(info.statusCode()).isEqualTo(200);
        assertThat(in.statusCode()).isEqualTo(200);
        assertThat(stillRunning).as("answered while the heavy queries were still running").isPositive();
        int admitted = 0;
        int refused = 0;
        for (var f : queries) {
            HttpResponse<String> r = f.get(2, TimeUnit.MINUTES);
            // an admitted query answers, or (on a loaded machine) is ended by its time limit: both are
            // the designed outcomes of the two the tenant may run at once
            if (r.statusCode() == 200 || (r.statusCode() == 408 && r.body().contains("\"query_timeout\""))) admitted++;
            else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                refused++;
            }
        }
        assertThat(admitted).as("the tenant's two concurrent queries").isEqualTo(2);
        assertThat(refused).isEqualTo(6);
    }
}
