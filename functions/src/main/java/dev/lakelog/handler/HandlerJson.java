package dev.lakelog.handler;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * JSON in and out of the stream handlers (schedules, IoT): the answer is written with lakelog's own
 * mapper, field for field as documented (snake_case, nulls kept), instead of the Lambda runtime's
 * POJO serializer, which renames record fields and drops nulls.
 */
final class HandlerJson {
    static final ObjectMapper JSON = new ObjectMapper();

    private HandlerJson() {}

    static <T> T read(InputStream in, Class<T> type) {
        try {
            byte[] bytes = in.readAllBytes();
            return bytes.length == 0 ? null : JSON.readValue(bytes, type);
        } catch (IOException e) {
            throw new UncheckedIOException("the invocation event is not JSON", e);
        }
    }

    static void write(OutputStream out, Object answer) {
        try {
            JSON.writeValue(out, answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
