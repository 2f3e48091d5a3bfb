package dev.lakelog.aws;

import dev.lakelog.backend.StatusPublisher;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;

/**
 * Publishes through the AWS SDK's IoT data-plane client ({@code POST /topics/<topic>?qos=1} on the
 * account's data endpoint, LAKELOG_IOT_ENDPOINT, e.g. {@code https://xxxx-ats.iot.eu-west-1.amazonaws.com}).
 */
public final class IotStatusPublisher implements StatusPublisher, AutoCloseable {
    private final IotDataPlaneClient client;

    public IotStatusPublisher(IotDataPlaneClient client) {
        this.client = client;
    }

    public static IotStatusPublisher create(String endpoint, String region, AwsCredentialsProvider credentials) {
        return new IotStatusPublisher(AwsClients.iotData(endpoint, region, credentials));
    }

    @Override
    public void publish(String topic, byte[] payload) {
        client.publish(b -> b.topic(topic).qos(1).payload(SdkBytes.fromByteArray(payload)));
    }

    @Override
    public void close() {
        client.close();
    }
}
