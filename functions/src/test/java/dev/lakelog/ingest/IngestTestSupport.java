package dev.lakelog.ingest;

import dev.lakelog.api.ApiRequest;
import dev.lakelog.testing.LakelogFixture;
import dev.lakelog.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Small helpers shared by the ingest tests. */
final class IngestTestSupport {
    private IngestTestSupport() {}

    static String event(String logId) {
        return "{\"log_id\":\"" + logId + "\",\"timestamp\":\"" + Instant.now().minusSeconds(60) + "\",\"event_type\":\"LOGIN\","
                + "\"outcome\":\"SUCCESS\",\"severity\":\"INFO\",\"component\":\"auth\",\"actor_id\":\"u1\",\"message\":\"user logged in\"}";
    }

    static String eventWith(String logId, String extraFields) {
        String e = event(logId);
        return e.substring(0, e.length() - 1) + "," + extraFields + "}";
    }

    static String batch(int n, String prefix) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(',');
            b.append(event(prefix + i));
        }
        return b.append(']').toString();
    }

    static ApiRequest withHeader(ApiRequest r, String name, String value) {
        Map<String, String> h = new HashMap<>(r.headers());
        if (value == null) h.remove(name);
        else h.put(name, value);
        return new ApiRequest(r.method(), r.path(), r.query(), h, r.body());
    }

    static ApiRequest signed(LakelogFixture.TenantCredentials t, String path, String contentType, String body) {
        return LakelogFixture.signed(t, "POST", path, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Every object key in the fixture's bucket. */
    static List<String> objects(LakelogFixture fx) {
        return TestServers.s3().client().listObjectsV2Paginator(b -> b.bucket(fx.bucket())).contents().stream()
                .map(o -> o.key()).toList();
    }
}
