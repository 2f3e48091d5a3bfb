package dev.lakelog.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.auth.Authenticator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/**
 * Sends events to {@code POST /v1/log/batch} as NDJSON batches of at most {@link #MAX_EVENTS}
 * events (and well under the 5 MB body limit), each signed with the tenant's HMAC key. A 429 or
 * 503 is retried with backoff (each batch carries an {@code Idempotency-Key}, so a retry after a
 * lost answer stores nothing twice); any other refusal stops the run with the server's answer.
 */
public final class BatchSender implements AutoCloseable {
    public static final int MAX_EVENTS = 1000;
    static final int MAX_BYTES = 4 * 1024 * 1024;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final URI url;
    private final String keyId;
    private final String secret;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 20);
    private int buffered;
    private long sent;
    private long batches;

    public BatchSender(URI base, String keyId, String secret) {
        this.url = base.resolve("/v1/log/batch");
        this.keyId = keyId;
        this.secret = secret;
    }

    public void add(ObjectNode event) throws IOException, InterruptedException {
        byte[] line = json.writeValueAsBytes(event);
        if (buffered == MAX_EVENTS || buffer.size() + line.length + 1 > MAX_BYTES) flush();
        buffer.write(line);
        buffer.write('\n');
        buffered++;
    }

    public void flush() throws IOException, InterruptedException {
        if (buffered == 0) return;
        byte[] body = buffer.toByteArray();
        String idem = "gen-" + java.util.HexFormat.of().formatHex(sha256(body)).substring(0, 32);
        for (int attempt = 1; ; attempt++) {
            long t = Instant.now().getEpochSecond();
            HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/x-ndjson").header("X-Key-Id", keyId)
                    .header("X-Signature", Authenticator.signatureHeader(secret, t, body)).header("Idempotency-Key", idem)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<String> resp;
            try {
                resp = http.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                if (attempt >= 5) throw new IOException("cannot send a batch to " + url + ": " + e.getMessage(), e);
                Thread.sleep(200L << attempt);
                continue;
            }
            if (resp.statusCode() == 200 || resp.statusCode() == 201 || resp.statusCode() == 202) break;
            if ((resp.statusCode() == 429 || resp.statusCode() == 503) && attempt < 8) {
                Thread.sleep(Math.min(10_000, 250L << attempt));
                continue;
            }
            throw new IOException("the server refused a batch: HTTP " + resp.statusCode() + " " + resp.body());
        }
        sent += buffered;
        batches++;
        buffer.reset();
        buffered = 0;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public long sent() {
        return sent;
    }

    public long batches() {
        return batches;
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending the last batch", e);
        }
    }
}
