package dev.lakelog.rollup;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;

/**
 * Publishes through the AWS SDK's IoT data-plane client ({@code POST /topics/<topic>?qos=1} on the
 * account's data endpoint, LAKELOG_IOT_ENDPOINT, e.g. {@code https://xxxx-ats.iot.eu-west-1.amazonaws.com}).
 */
public final class IotRollupStatusPublisher implements RollupStatusPublisher, AutoCloseable {
    private final IotDataPlaneClient client;

    public IotRollupStatusPublisher(IotDataPlaneClient client) {
        this.client = client;
    }

    public static IotRollupStatusPublisher create(String endpoint, String region, AwsCredentialsProvider credentials) {
        String ep = endpoint.contains("://") ? endpoint : "https://" + endpoint;
        return new IotRollupStatusPublisher(IotDataPlaneClient.builder()
                .endpointOverride(URI.create(ep))
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build());
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
