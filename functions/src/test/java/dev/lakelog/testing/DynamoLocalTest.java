package dev.lakelog.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

class DynamoLocalTest {
    private final DynamoServer dynamo = TestServers.dynamo();
    private final DynamoDbClient client = dynamo.client();

    @Test
    void listensOnLoopbackOnly() {
        assertThat(dynamo.endpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(dynamo.port()).isPositive();
    }

    @Test
    void createsATableAndPutsAndGetsAnItem() {
        String table = createTable(dynamo.newTablePrefix() + "tenants");

        client.putItem(b -> b.tableName(table).item(Map.of(
                "id", AttributeValue.fromS("tenant-1"),
                "tier", AttributeValue.fromS("paid"))));

        Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table)
                .key(Map.of("id", AttributeValue.fromS("tenant-1")))
                .consistentRead(true)).item();
        assertThat(item).containsEntry("tier", AttributeValue.fromS("paid"));
        assertThat(client.listTablesPaginator().tableNames()).contains(table); // every page: the JVM's other tests have made many tables
    }

    @Test
    void conditionalPutOnAnExistingKeyFailsAndKeepsTheFirstItem() {
        String table = createTable(dynamo.newTablePrefix() + "idempotency");
        Map<String, AttributeValue> first = Map.of(
                "id", AttributeValue.fromS("key-1"), "body", AttributeValue.fromS("first"));
        Map<String, AttributeValue> second = Map.of(
                "id", AttributeValue.fromS("key-1"), "body", AttributeValue.fromS("second"));

        client.putItem(b -> b.tableName(table).item(first).conditionExpression("attribute_not_exists(id)"));

        assertThatThrownBy(() -> client.putItem(
                        b -> b.tableName(table).item(second).conditionExpression("attribute_not_exists(id)")))
                .isInstanceOf(ConditionalCheckFailedException.class);
        assertThat(client.getItem(b -> b.tableName(table).key(Map.of("id", AttributeValue.fromS("key-1")))
                        .consistentRead(true)).item())
                .containsEntry("body", AttributeValue.fromS("first"));
    }

    @Test
    void tablePrefixesAreUnique() {
        assertThat(dynamo.newTablePrefix()).isNotEqualTo(dynamo.newTablePrefix());
    }

    private String createTable(String name) {
        client.createTable(b -> b.tableName(name)
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                .billingMode(BillingMode.PAY_PER_REQUEST));
        client.waiter().waitUntilTableExists(b -> b.tableName(name));
        return name;
    }
}
