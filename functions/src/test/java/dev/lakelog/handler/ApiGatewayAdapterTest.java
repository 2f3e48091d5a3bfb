package dev.lakelog.handler;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.lakelog.api.ApiRequest;
import dev.lakelog.api.ApiResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * API Gateway passes every body as bytes (binaryMediaTypes {@code * / *}): base64 in the proxy event.
 * Protobuf answers go back base64 so API Gateway returns the bytes; JSON stays text.
 */
class ApiGatewayAdapterTest {

    @Test
    void a_base64_protobuf_body_reaches_the_core_as_its_exact_bytes() {
        byte[] proto = {0x0a, 0x00, (byte) 0xff, 0x7f};
        ApiRequest r = ApiGatewayAdapter.toRequest(new APIGatewayProxyRequestEvent().withHttpMethod("POST").withPath("/v1/logs")
                .withHeaders(Map.of("Content-Type", "application/x-protobuf")).withIsBase64Encoded(true)
                .withBody(Base64.getEncoder().encodeToString(proto)));
        assertThat(r.body()).isEqualTo(proto);
    }

    @Test
    void a_protobuf_answer_is_returned_base64_and_json_as_text() {
        byte[] proto = {0x0a, 0x02, 0x08, 0x01};
        APIGatewayProxyResponseEvent p = ApiGatewayAdapter.toResponse(new ApiResponse(200, Map.of("Content-Type", "application/x-protobuf"), proto));
        assertThat(p.getIsBase64Encoded()).isTrue();
        assertThat(Base64.getDecoder().decode(p.getBody())).isEqualTo(proto);
        APIGatewayProxyResponseEvent j = ApiGatewayAdapter.toResponse(ApiResponse.json(200, "{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
        assertThat(j.getIsBase64Encoded()).isFalse();
        assertThat(j.getBody()).isEqualTo("{\"a\":1}");
    }
}
