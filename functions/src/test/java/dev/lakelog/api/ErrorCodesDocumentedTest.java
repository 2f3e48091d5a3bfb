package dev.lakelog.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.auth.Tier;
import dev.lakelog.testing.LakelogFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every {@link ErrorCode} is documented (docs/api.md's Errors table with its status and kind, and
 * the enum of the Error schema in docs/openapi.yaml) and nothing else is; every error answer,
 * whatever its kind, carries its code.
 */
class ErrorCodesDocumentedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+)` \\| (\\d{3}) \\| ([a-z ]+) \\|", Pattern.MULTILINE);
    private static LakelogFixture fx;
    private static LakelogFixture.TenantCredentials paid;

    @BeforeAll
    static void start() {
        fx = LakelogFixture.local();
        paid = fx.createTenant("acme", Tier.PAID);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void docs_api_md_lists_every_code_with_its_status_and_kind_and_no_other() throws Exception {
        String md = Files.readString(Path.of("..", "docs", "api.md"));
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher m = ROW.matcher(md);
        while (m.find()) documented.put(m.group(1), m.group(2) + " " + m.group(3).trim());
        Map<String, String> expected = new LinkedHashMap<>();
        for (ErrorCode c : ErrorCode.values()) {
            expected.put(c.wireName(), c.status() + " " + c.kind().name().toLowerCase(Locale.ROOT).replace('_', ' '));
        }
        assertThat(documented).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void the_openapi_error_schema_enumerates_exactly_the_codes() throws Exception {
        String spec = Files.readString(Path.of("..", "docs", "openapi.yaml"));
        Matcher m = Pattern.compile("    Error:\\n(?:.*\\n)*?\\s+enum: \\[([^]]+)]").matcher(spec);
        assertThat(m.find()).as("Error schema with a code enum").isTrue();
        List<String> enumerated = Arrays.stream(m.group(1).split(",")).map(String::trim).toList();
        assertThat(enumerated).containsExactlyInAnyOrder(Arrays.stream(ErrorCode.values()).map(ErrorCode::wireName).toArray(String[]::new));
    }

    @Test
    void an_answer_of_each_kind_carries_its_code_and_status() throws Exception {
        assertCode(fx.call(new ApiRequest("GET", "/v1/nowhere", Map.of(), Map.of(), null)), 404, "route_not_found");
        assertCode(fx.call(new ApiRequest("DELETE", "/v1/analytics/logs", Map.of(), Map.of(), null)), 405, "method_not_allowed");
        assertCode(fx.call(new ApiRequest("GET", "/v1/analytics/logs", Map.of(), Map.of("Authorization", "Bearer nope"), null)),
                401, "unauthenticated");
        assertCode(fx.call(LakelogFixture.bearer(paid, "GET", "/v1/analytics/logs", Map.of("limit", "0"), null)), 400, "invalid_parameter");
        assertCode(fx.call(LakelogFixture.bearer(paid, "GET", "/v1/analytics/logs", Map.of("colour", "red"), null)), 400, "unknown_parameter");
        assertCode(fx.call(LakelogFixture.bearer(paid, "GET", "/v1/analytics/logs/snapshot/999999", Map.of(), null)), 404, "snapshot_not_found");
        assertCode(fx.call(LakelogFixture.signedJson(paid, "/v1/log", "{\"timestamp\":\"x\"}")), 400, "invalid_event");
        String event = "{\"timestamp\":\"2026-11-20T00:00:00Z\",\"event_type\":\"E\",\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"message\":\"m\"}";
        assertThat(fx.call(LakelogFixture.signedJson(paid, "/v1/log", event)).status()).isEqualTo(200);
        var held = fx.app().rollup().lock().tryAcquire("acme").orElseThrow();
        try {
            assertCode(fx.call(LakelogFixture.bearer(paid, "POST", "/v1/analytics/rollup", Map.of(), null)), 409, "lease_held");
        } finally {
            held.close();
        }
    }

    @Test
    void failures_map_by_kind_in_one_place_and_anything_else_is_an_internal_500() throws Exception {
        ApiRequest req = new ApiRequest("GET", "/x", Map.of(), Map.of(), null);
        for (ErrorCode c : ErrorCode.values()) {
            ApiResponse r = ApiErrors.toResponse(new LakelogException(c, "d"), req);
            assertCode(r, c.status(), c.wireName());
            if (c.kind() == ErrorKind.UNAVAILABLE) assertThat(r.headers()).containsKey("Retry-After");
            if (c == ErrorCode.UNAUTHENTICATED) assertThat(r.headers()).containsEntry("WWW-Authenticate", "Bearer");
        }
        ApiResponse defect = ApiErrors.toResponse(new IllegalStateException("secret internals"), req);
        assertCode(defect, 500, "internal");
        assertThat(defect.bodyText()).doesNotContain("secret internals");
    }

    private static void assertCode(ApiResponse r, int status, String code) throws Exception {
        assertThat(r.status()).as(r.bodyText()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("code").asText()).as(r.bodyText()).isEqualTo(code);
        assertThat(body.path("detail").asText()).isNotBlank();
    }
}
