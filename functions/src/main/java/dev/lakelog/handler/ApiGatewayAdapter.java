package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** Converts API Gateway proxy events to and from the core's {@link ApiRequest}/{@link ApiResponse}. */
public final class ApiGatewayAdapter {
    private ApiGatewayAdapter() {}

    public static ApiRequest toRequest(APIGatewayProxyRequestEvent e) {
        byte[] body;
        if (e.getBody() == null) {
            body = new byte[0];
        } else if (Boolean.TRUE.equals(e.getIsBase64Encoded())) {
            body = Base64.getDecoder().decode(e.getBody());
        } else {
            body = e.getBody().getBytes(StandardCharsets.UTF_8);
        }
        Map<String, String> headers = new HashMap<>();
        if (e.getHeaders() != null) headers.putAll(e.getHeaders());
        Map<String, String> query = new HashMap<>();
        if (e.getQueryStringParameters() != null) query.putAll(e.getQueryStringParameters());
        return new ApiRequest(e.getHttpMethod() == null ? "GET" : e.getHttpMethod(),
                e.getPath() == null ? "/" : e.getPath(), query, headers, body);
    }

    public static APIGatewayProxyResponseEvent toResponse(ApiResponse r) {
        String type = r.headers().getOrDefault("Content-Type", "application/json");
        boolean text = type.startsWith("application/json") || type.startsWith("text/") || type.startsWith("application/x-ndjson");
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(r.status())
                .withHeaders(r.headers())
                .withIsBase64Encoded(!text)
                .withBody(text ? new String(r.body(), StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(r.body()));
    }
}
