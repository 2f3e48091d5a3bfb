package dev.lakelog.auth;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.api.ApiRequest;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticates requests: HMAC signatures for ingest
 * ({@code X-Key-Id}, {@code X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>})
 * and Bearer tokens for everything else. 401 details never say which part failed.
 */
public final class Authenticator {
    public static final long MAX_SKEW_SECONDS = 300;
    private static final String HMAC_FAILED = "invalid or missing request signature";
    private static final String TOKEN_FAILED = "invalid or missing Bearer token";

    private final TenantStore store;
    private final Clock clock;

    public Authenticator(TenantStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The tenant whose active key signed this request, or 401. */
    public Tenant verifyHmac(ApiRequest req) {
        Optional<String> keyId = req.header("X-Key-Id");
        Optional<String> sig = req.header("X-Signature");
        if (keyId.isEmpty() || sig.isEmpty()) throw new LakelogException(ErrorCode.UNAUTHENTICATED, HMAC_FAILED);
        Long t = null;
        String v1 = null;
        for (String part : sig.get().split(",")) {
            String p = part.trim();
            if (p.startsWith("t=")) {
                try {
                    t = Long.parseLong(p.substring(2));
                } catch (NumberFormatException e) {
                    throw new LakelogException(ErrorCode.UNAUTHENTICATED, HMAC_FAILED);
                }
            } else if (p.startsWith("v1=")) {
                v1 = p.substring(3);
            }
        }
        if (t == null || v1 == null) throw new LakelogException(ErrorCode.UNAUTHENTICATED, HMAC_FAILED);
        // Always compute the MAC, so timing does not reveal whether the key id exists.
        Optional<HmacKey> key = store.hmacKey(keyId.get());
        String secret = key.filter(HmacKey::active).map(HmacKey::secret).orElse("lakelog-no-such-key");
        byte[] expected = sign(secret, t, req.body());
        byte[] given;
        try {
            given = HexFormat.of().parseHex(v1.toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            given = new byte[0];
        }
        boolean macOk = MessageDigest.isEqual(expected, given);
        boolean fresh = Math.abs(clock.instant().getEpochSecond() - t) <= MAX_SKEW_SECONDS;
        if (!macOk || !fresh || key.isEmpty() || !key.get().active()) throw new LakelogException(ErrorCode.UNAUTHENTICATED, HMAC_FAILED);
        Tenant tenant = store.tenant(key.get().tenantId()).orElseThrow(() -> new LakelogException(ErrorCode.UNAUTHENTICATED, HMAC_FAILED));
        return tenant;
    }

    /**
     * The ingest routes' check. With {@code X-Key-Id} or {@code X-Signature}: the HMAC signature.
     * Otherwise a Bearer token: one of the tenant's write-only ingest tokens, or (where
     * {@code alsoTenantToken}, i.e. on {@code /v1/logs}) the tenant's own token. A tenant whose
     * setting {@code require_signature} is on accepts only signed requests: a valid token gets 401
     * saying so.
     */
    public Tenant verifyIngest(ApiRequest req, boolean alsoTenantToken) {
        if (req.header("X-Key-Id").isPresent() || req.header("X-Signature").isPresent()) return verifyHmac(req);
        Optional<String> auth = req.header("Authorization");
        if (auth.isEmpty() || !auth.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            // No credential at all: the route's usual answer (signature on /v1/log, token on /v1/logs).
            throw new LakelogException(ErrorCode.UNAUTHENTICATED, alsoTenantToken ? TOKEN_FAILED : HMAC_FAILED);
        }
        String token = auth.get().substring(7).trim();
        if (token.isEmpty()) throw new LakelogException(ErrorCode.UNAUTHENTICATED, TOKEN_FAILED);
        String hash = Secrets.tokenHash(token);
        Optional<Tenant> tenant = store.ingestTokenByHash(hash).flatMap(t -> store.tenant(t.tenantId()));
        if (tenant.isEmpty() && alsoTenantToken) tenant = store.tenantByTokenHash(hash);
        if (tenant.isEmpty()) throw new LakelogException(ErrorCode.UNAUTHENTICATED, TOKEN_FAILED);
        if (store.requiresSignature(tenant.get().id())) {
            throw new LakelogException(ErrorCode.UNAUTHENTICATED, "this tenant requires HMAC-signed requests (require_signature): "
                    + "send X-Key-Id and X-Signature instead of a Bearer token");
        }
        return tenant.get();
    }

    /** The tenant holding this Bearer token, or 401. */
    public Tenant verifyBearer(ApiRequest req) {
        Optional<String> auth = req.header("Authorization");
        if (auth.isEmpty() || !auth.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new LakelogException(ErrorCode.UNAUTHENTICATED, TOKEN_FAILED);
        }
        String token = auth.get().substring(7).trim();
        if (token.isEmpty()) throw new LakelogException(ErrorCode.UNAUTHENTICATED, TOKEN_FAILED);
        return store.tenantByTokenHash(Secrets.tokenHash(token)).orElseThrow(() -> new LakelogException(ErrorCode.UNAUTHENTICATED, TOKEN_FAILED));
    }

    /**
     * An operator's Bearer token (lake-wide maintenance): 401 without a valid token; 403 with a
     * tenant's token, which may maintain only its own data.
     */
    public String verifyOperator(ApiRequest req) {
        String token = bearerToken(req);
        String hash = Secrets.tokenHash(token);
        Optional<String> operator = store.operatorByTokenHash(hash);
        if (operator.isPresent()) return operator.get();
        if (store.tenantByTokenHash(hash).isPresent()) {
            throw new LakelogException(ErrorCode.FORBIDDEN, "lake-wide maintenance (compact, cleanup, expire-snapshots) needs an "
                    + "operator token; a tenant's token may run retention of its own rows (docs/maintenance.md)");
        }
        throw new LakelogException(ErrorCode.UNAUTHENTICATED, TOKEN_FAILED);
    }

    /** The operator's name when the request carries an operator token, else empty (never fails). */
    public Optional<String> operatorOf(ApiRequest req) {
        Optional<String> auth = req.header("Authorization");
        if (auth.isEmpty() || !auth.get().regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.empty();
        String token = auth.get().substring(7).trim();
        return token.isEmpty() ? Optional.empty() : store.operatorByTokenHash(Secrets.tokenHash(token));
    }

    private static String bearerToken(ApiRequest req) {
        Optional<String> auth = req.header("Authorization");
        if (auth.isEmpty() || !auth.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new LakelogException(ErrorCode.UNAUTHENTICATED, TOKEN_FAILED);
        }
        String token = auth.get().substring(7).trim();
        if (token.isEmpty()) throw new LakelogException(ErrorCode.UNAUTHENTICATED, TOKEN_FAILED);
        return token;
    }

    /** Bearer token of a paid tenant: 401 without a valid token, 403 for a free tenant. */
    public Tenant verifyPaidBearer(ApiRequest req) {
        Tenant t = verifyBearer(req);
        if (t.tier() != Tier.PAID) {
            throw new LakelogException(ErrorCode.FORBIDDEN, "analytics and maintenance need a paid-tier tenant; tenant '" + t.id() + "' is free tier");
        }
        return t;
    }

    /** HMAC-SHA256 of {@code "<t>.<body>"}, as used in {@code X-Signature}. */
    public static byte[] sign(String secret, long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The header value a client sends: {@code t=<t>,v1=<hex>}. */
    public static String signatureHeader(String secret, long t, byte[] body) {
        return "t=" + t + ",v1=" + HexFormat.of().formatHex(sign(secret, t, body));
    }
}
