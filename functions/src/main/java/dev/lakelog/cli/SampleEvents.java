package dev.lakelog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.auth.Authenticator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * What {@code lakelog invoke} does to a sample event: picks the handler an event is for (when
 * {@code --handler} is not given) and, with {@code --sign}, fills in credentials of the local dev
 * tenant: a fresh {@code X-Signature} over the body with the dev HMAC key (key id {@code dev}), and
 * {@code Bearer <dev token>} wherever the sample carries a token.
 */
final class SampleEvents {
    static final String DEV_KEY_ID = "dev";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleEvents() {
    }

    /** The handler class (simple name) for an event, from its shape. */
    static String handlerFor(JsonNode event) {
        if (event.has("authorizationToken")) return "AuthorizerHandler";
        if (event.has("action") && event.has("device_id")) return "IotRollupHandler";
        if ("aws:s3".equals(event.path("Records").path(0).path("eventSource").asText())) return "DropFolderHandler";
        if ("Scheduled Event".equals(event.path("detail-type").asText())) {
            return event.path("detail").has("job") ? "MaintenanceScheduleHandler" : "RollupScheduleHandler";
        }
        String path = event.path("path").asText(event.path("resource").asText());
        String method = event.path("httpMethod").asText();
        if (path.isEmpty()) {
            throw new IllegalArgumentException("cannot tell which handler this event is for; give --handler");
        }
        if (method.equals("POST") && (path.endsWith("/v1/log") || path.endsWith("/v1/log/batch") || path.endsWith("/v1/logs") || path.endsWith("/v1/metrics"))) {
            return "IngestHandler";
        }
        if (path.contains("/v1/analytics/rollup") || path.contains("/v1/analytics/maintenance/")) return "MaintenanceHandler";
        return "QueryHandler";
    }

    /** The event with the dev tenant's credentials filled in (signed now). */
    static String sign(String eventJson, String devToken, String devHmacSecret, Instant now) throws java.io.IOException {
        JsonNode root = JSON.readTree(eventJson);
        if (!(root instanceof ObjectNode event)) throw new IllegalArgumentException("the event must be a JSON object");
        if (event.has("authorizationToken")) event.put("authorizationToken", "Bearer " + devToken);
        if (event.get("headers") instanceof ObjectNode headers) {
            byte[] body = body(event);
            boolean signed = false;
            for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> h = it.next();
                String name = h.getKey().toLowerCase(java.util.Locale.ROOT);
                if (name.equals("authorization")) h.setValue(JSON.getNodeFactory().textNode("Bearer " + devToken));
                if (name.equals("x-key-id")) h.setValue(JSON.getNodeFactory().textNode(DEV_KEY_ID));
                if (name.equals("x-signature")) {
                    h.setValue(JSON.getNodeFactory().textNode(Authenticator.signatureHeader(devHmacSecret, now.getEpochSecond(), body)));
                    signed = true;
                }
            }
            if (signed && !headers.has("X-Key-Id") && !headers.has("x-key-id")) headers.put("X-Key-Id", DEV_KEY_ID);
        }
        return JSON.writeValueAsString(event);
    }

    private static byte[] body(ObjectNode event) {
        JsonNode b = event.get("body");
        if (b == null || b.isNull()) return new byte[0];
        return event.path("isBase64Encoded").asBoolean(false) ? Base64.getDecoder().decode(b.asText())
                : b.asText().getBytes(StandardCharsets.UTF_8);
    }
}
