package dev.lakelog.idempotency;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tenant;
import dev.lakelog.log.JsonLog;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@code Idempotency-Key} semantics of the write routes (docs/ingest.md, "Idempotency"):
 * <ul>
 *   <li>the record key is tenant + SHA-256 of the header value; the fingerprint is SHA-256 of
 *       method, path, Content-Type, Content-Encoding and raw body;</li>
 *   <li>same key, same fingerprint, completed: the first response again, header
 *       {@code Idempotent-Replayed: true}, nothing written;</li>
 *   <li>same key, other fingerprint: 409; same key while the first is still running: 409 with
 *       Retry-After;</li>
 *   <li>the response is recorded only after the action succeeded (2xx, i.e. every PUT done); a
 *       failed or rejected request releases its claim, so a retry runs normally.</li>
 * </ul>
 */
public final class Idempotency {
    public static final String HEADER = "Idempotency-Key";
    public static final Duration DEFAULT_TTL = Duration.ofHours(24);
    /** How long an in-progress claim blocks a duplicate if its process dies without releasing. */
    public static final Duration LOCK = Duration.ofSeconds(120);
    private static final JsonLog LOG = JsonLog.get(Idempotency.class);

    private final IdempotencyStore store;
    private final Clock clock;
    private final Duration ttl;

    /**
     * How long a claim holds off retries of the same key: until the invocation serving the request
     * must have ended (its deadline) plus a margin, or {@link #LOCK} when it has no deadline.
     */
    private static Instant lockUntil(ApiRequest req, Instant now) {
        return req.deadline().map(d -> d.plus(LOCK_MARGIN)).filter(d -> d.isAfter(now)).orElse(now.plus(LOCK));
    }

    /** Added to a request's deadline for the claim: the response may still be on its way. */
    static final Duration LOCK_MARGIN = Duration.ofSeconds(5);

    public Idempotency(IdempotencyStore store, Clock clock, Duration ttl) {
        this.store = store;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** Runs {@code action} at most once per (tenant, Idempotency-Key); without the header, just runs it. */
    public ApiResponse run(Tenant tenant, ApiRequest req, Supplier<ApiResponse> action) {
        Optional<String> header = req.header(HEADER);
        if (header.isEmpty()) return action.get();
        String key = header.get();
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new LakelogException(ErrorCode.INVALID_HEADER, "header Idempotency-Key must be 1-255 visible ASCII characters");
        }
        String pk = "idem#" + tenant.id() + "#" + sha256(key.getBytes(StandardCharsets.UTF_8));
        String fingerprint = fingerprint(req);
        Instant now = clock.instant();
        Optional<IdempotencyStore.Entry> existing = store.claim(pk, fingerprint, now, lockUntil(req, now), now.plus(ttl));
        if (existing.isPresent()) {
            IdempotencyStore.Entry e = existing.get();
            if (!MessageDigest.isEqual(e.fingerprint().getBytes(StandardCharsets.US_ASCII), fingerprint.getBytes(StandardCharsets.US_ASCII))) {
                throw new LakelogException(ErrorCode.IDEMPOTENCY_KEY_REUSED, "Idempotency-Key was already used with a different request (route or body); use a new key for a new request");
            }
            if (!e.completed()) {
                throw new LakelogException(ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS, "a request with this Idempotency-Key is still in progress; retry after it finished",
                        Map.of("Retry-After", "1"), null);
            }
            LOG.info("idempotent_replay", "tenant", tenant.id(), "path", req.path());
            // The fingerprint covers Content-Type, so the first answer was in this request's encoding:
            // protobuf for an OTLP protobuf export, JSON for everything else.
            boolean protobuf = req.header("Content-Type").map(ct -> ct.trim().toLowerCase(java.util.Locale.ROOT)
                    .startsWith("application/x-protobuf")).orElse(false);
            return new ApiResponse(e.status(), Map.of("Content-Type", protobuf ? "application/x-protobuf" : "application/json",
                    "Idempotent-Replayed", "true"), e.body());
        }
        ApiResponse resp;
        try {
            resp = action.get();
        } catch (RuntimeException ex) {
            releaseQuietly(pk);
            throw ex;
        }
        if (resp.status() >= 200 && resp.status() < 300) {
            try {
                store.complete(pk, fingerprint, resp.status(), resp.body(), now.plus(ttl));
            } catch (RuntimeException ex) {
                // The events are durable; answering an error now would invite a duplicate retry.
                // The claim expires after LOCK, after which a retry writes again (documented).
                LOG.error("idempotency_record_failed", ex, "tenant", tenant.id(), "path", req.path());
            }
        } else {
            releaseQuietly(pk);
        }
        return resp;
    }

    private void releaseQuietly(String pk) {
        try {
            store.release(pk);
        } catch (RuntimeException ex) {
            LOG.error("idempotency_release_failed", ex, "pk_hash", pk.length());
        }
    }

    static String fingerprint(ApiRequest req) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {req.method(), req.path(), req.header("Content-Type").orElse(""),
                    req.header("Content-Encoding").orElse("")}) {
                md.update(part.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest(req.body()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
