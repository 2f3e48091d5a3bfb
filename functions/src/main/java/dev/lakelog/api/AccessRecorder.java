package dev.lakelog.api;

/**
 * Records one answered call in the access trail (docs/integrity.md#access-trail). {@link ApiRouter}
 * calls it for every request under the paths it was given, after the route answered (or failed),
 * with the route pattern that matched ({@code "unmatched"} when none did). A recorder that cannot
 * record throws; the router then withholds the answer and returns 503 {@code access_trail_unavailable}.
 */
@FunctionalInterface
public interface AccessRecorder {
    void record(ApiRequest request, String route, ApiResponse response, long nanos);
}
