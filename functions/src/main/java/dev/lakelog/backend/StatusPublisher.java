package dev.lakelog.backend;

/**
 * Publishes a message on a topic: the IoT-triggered rollup tells the device how it went on
 * {@code lakelog/<device>/status}.
 * The AWS one is {@code aws.IotStatusPublisher} (the IoT data plane).
 */
public interface StatusPublisher {
    /** Publishes {@code payload} (JSON) to {@code topic}; throws if the broker refused it. */
    void publish(String topic, byte[] payload);
}
