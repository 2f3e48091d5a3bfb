package dev.lakelog.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.elasticmq.NodeAddress;
import org.elasticmq.StrictSQSLimits$;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * ElasticMQ (org.elasticmq:elasticmq-rest-sqs, in-process, in memory), an SQS-compatible server,
 * on 127.0.0.1 with a free port and SQS's strict limits. Started once per JVM by
 * {@link TestServers#sqs()}; tests keep apart with {@link #newQueue}, which creates a queue and
 * its dead-letter queue joined by a real redrive policy. The AWS SDK's SqsClient talks to it.
 */
public final class ElasticMqServer implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final String REGION = "us-east-1";
    private final SQSRestServer server;
    private final int port;
    private final SqsClient client;
    private final AtomicInteger names = new AtomicInteger();

    /** A queue and its dead-letter queue. */
    public record Queue(String url, String dlqUrl, String dlqArn) {}

    private ElasticMqServer(SQSRestServer server, int port) {
        this.server = server;
        this.port = port;
        this.client = newClient();
    }

    static ElasticMqServer start() {
        int port = freePort();
        SQSRestServer server = SQSRestServerBuilder.withInterface(HOST).withPort(port)
                .withServerAddress(new NodeAddress("http", HOST, port, ""))
                .withAWSRegion(REGION)
                .withSQSLimits(StrictSQSLimits$.MODULE$)
                .start();
        server.waitUntilStarted();
        return new ElasticMqServer(server, port);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on " + HOST, e);
        }
    }

    public URI endpoint() {
        return URI.create("http://" + HOST + ":" + port);
    }

    public SqsClient client() {
        return client;
    }

    public SqsClient newClient() {
        return SqsClient.builder().endpointOverride(endpoint()).region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("elasticmq", "elasticmq")))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    /**
     * A fresh standard queue named after {@code base}, with a dead-letter queue and the redrive
     * policy {@code maxReceiveCount}, and the given visibility timeout.
     */
    public Queue newQueue(String base, int maxReceiveCount, int visibilitySeconds) {
        String name = base + "-" + names.incrementAndGet();
        String dlqUrl = client.createQueue(b -> b.queueName(name + "-dlq")).queueUrl();
        String dlqArn = client.getQueueAttributes(b -> b.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        String url = client.createQueue(b -> b.queueName(name).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilitySeconds),
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}")))
                .queueUrl();
        return new Queue(url, dlqUrl, dlqArn);
    }

    /** Messages visible plus in flight plus delayed, as SQS approximates them. */
    public int depth(String queueUrl) {
        Map<QueueAttributeName, String> a = client.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return a.values().stream().mapToInt(Integer::parseInt).sum();
    }

    @Override
    public void close() {
        client.close();
        server.stopAndWait();
    }

    @Override
    public String toString() {
        return "ElasticMQ on " + HOST + ":" + port;
    }
}
