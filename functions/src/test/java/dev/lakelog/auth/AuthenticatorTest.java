package dev.lakelog.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import dev.lakelog.local.FileTenantStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HMAC and Bearer checks: what passes, and that every failure is the same 401 that reveals nothing. */
class AuthenticatorTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final byte[] BODY = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    private TenantStore store;
    private Authenticator auth;
    private String paidToken;
    private String freeToken;

    @BeforeEach
    void tenants() throws Exception {
        store = new FileTenantStore(Files.createTempDirectory("auth-test").resolve("tenants.json"));
        store.createTenant(new Tenant("acme", Tier.PAID));
        store.createTenant(new Tenant("freebie", Tier.FREE));
        store.addHmacKey(new HmacKey("k_old", "acme", "secret-old", true));
        store.addHmacKey(new HmacKey("k_new", "acme", "secret-new", true));
        store.addHmacKey(new HmacKey("k_retired", "acme", "secret-retired", false));
        paidToken = Secrets.newToken();
        freeToken = Secrets.newToken();
        store.addToken("acme", Secrets.tokenHash(paidToken));
        store.addToken("freebie", Secrets.tokenHash(freeToken));
        auth = new Authenticator(store, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static ApiRequest signed(String keyId, String secret, long t, byte[] body) {
        Map<String, String> h = new HashMap<>();
        h.put("X-Key-Id", keyId);
        h.put("X-Signature", Authenticator.signatureHeader(secret, t, body));
        return new ApiRequest("POST", "/v1/log", Map.of(), h, body);
    }

    private static ApiRequest bearer(String header) {
        return new ApiRequest("GET", "/v1/analytics/logs", Map.of(), header == null ? Map.of() : Map.of("Authorization", header), null);
    }

    private static void assertUnauthorized(Runnable r) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(LakelogException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
            assertThat(e.detail()).doesNotContain("secret").doesNotContain("k_");
        });
    }

    @Test
    void both_active_keys_of_a_rotation_sign_for_their_tenant() {
        assertThat(auth.verifyHmac(signed("k_old", "secret-old", NOW.getEpochSecond(), BODY)).id()).isEqualTo("acme");
        assertThat(auth.verifyHmac(signed("k_new", "secret-new", NOW.getEpochSecond(), BODY)).id()).isEqualTo("acme");
    }

    @Test
    void a_signature_within_the_skew_window_passes_and_one_outside_it_fails() {
        long edge = Authenticator.MAX_SKEW_SECONDS;
        assertThat(auth.verifyHmac(signed("k_new", "secret-new", NOW.getEpochSecond() - edge, BODY)).id()).isEqualTo("acme");
        assertThat(auth.verifyHmac(signed("k_new", "secret-new", NOW.getEpochSecond() + edge, BODY)).id()).isEqualTo("acme");
        assertUnauthorized(() -> auth.verifyHmac(signed("k_new", "secret-new", NOW.getEpochSecond() - edge - 1, BODY)));
        assertUnauthorized(() -> auth.verifyHmac(signed("k_new", "secret-new", NOW.getEpochSecond() + edge + 1, BODY)));
    }

    @Test
    void a_changed_body_a_wrong_secret_an_unknown_or_retired_key_all_fail_alike() {
        long t = NOW.getEpochSecond();
        ApiRequest good = signed("k_new", "secret-new", t, BODY);
        assertUnauthorized(() -> auth.verifyHmac(new ApiRequest("POST", "/v1/log", Map.of(), good.headers(), "{\"a\":2}".getBytes())));
        assertUnauthorized(() -> auth.verifyHmac(signed("k_new", "wrong", t, BODY)));
        assertUnauthorized(() -> auth.verifyHmac(signed("k_nope", "secret-new", t, BODY)));
        assertUnauthorized(() -> auth.verifyHmac(signed("k_retired", "secret-retired", t, BODY)));
    }

    @Test
    void malformed_signature_headers_fail_without_an_exception_of_their_own() {
        for (String sig : new String[] {"", "t=abc,v1=00", "v1=00", "t=1", "t=" + NOW.getEpochSecond() + ",v1=not-hex"}) {
            Map<String, String> h = Map.of("X-Key-Id", "k_new", "X-Signature", sig);
            assertUnauthorized(() -> auth.verifyHmac(new ApiRequest("POST", "/v1/log", Map.of(), h, BODY)));
        }
        assertUnauthorized(() -> auth.verifyHmac(new ApiRequest("POST", "/v1/log", Map.of(), Map.of(), BODY)));
    }

    @Test
    void a_revoked_tenant_cannot_sign_or_use_its_token() {
        store.revokeTenant("acme");
        assertUnauthorized(() -> auth.verifyHmac(signed("k_new", "secret-new", NOW.getEpochSecond(), BODY)));
        assertUnauthorized(() -> auth.verifyBearer(bearer("Bearer " + paidToken)));
    }

    @Test
    void bearer_tokens_find_their_tenant_case_insensitively_on_the_scheme() {
        assertThat(auth.verifyBearer(bearer("Bearer " + paidToken)).id()).isEqualTo("acme");
        assertThat(auth.verifyBearer(bearer("bearer " + paidToken)).id()).isEqualTo("acme");
        for (String h : new String[] {null, "", "Bearer ", "Basic abc", "Bearer llt_unknown", paidToken}) {
            assertUnauthorized(() -> auth.verifyBearer(bearer(h)));
        }
    }

    @Test
    void analytics_needs_a_paid_tenant() {
        assertThat(auth.verifyPaidBearer(bearer("Bearer " + paidToken)).tier()).isEqualTo(Tier.PAID);
        assertThatThrownBy(() -> auth.verifyPaidBearer(bearer("Bearer " + freeToken)))
                .isInstanceOfSatisfying(LakelogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));
    }

    @Test
    void secrets_are_random_prefixed_and_tokens_are_stored_only_as_hashes() {
        String a = Secrets.newToken();
        String b = Secrets.newToken();
        assertThat(a).isNotEqualTo(b);
        assertThat(Secrets.tokenHash(a)).isEqualTo(Secrets.tokenHash(a)).isNotEqualTo(Secrets.tokenHash(b)).doesNotContain(a);
        assertThat(Secrets.newHmacSecret()).isNotEqualTo(Secrets.newHmacSecret()).hasSizeGreaterThanOrEqualTo(32);
        assertThat(Secrets.newKeyId()).isNotEqualTo(Secrets.newKeyId());
    }
}
