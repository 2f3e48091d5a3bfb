package dev.lakelog.rollup;

/**
 * Where the IoT-triggered rollup tells the device how it went: {@code lakelog/<device>/status}.
 * The real one is {@link IotRollupStatusPublisher} (AWS IoT data plane).
 */
public interface RollupStatusPublisher {
    /** Publishes {@code payload} (JSON) to {@code topic}; throws if the broker refused it. */
    void publish(String topic, byte[] payload);
}
