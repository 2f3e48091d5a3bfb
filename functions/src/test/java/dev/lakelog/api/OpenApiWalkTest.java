package dev.lakelog.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lakelog.auth.Authenticator;
import dev.lakelog.auth.IngestToken;
import dev.lakelog.auth.Secrets;
import dev.lakelog.auth.Tier;
import dev.lakelog.local.LocalServer;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/openapi.yaml is the truth: for every operation of the spec, a request with only what is
 * required, then one request per documented parameter (query, path or header) with a valid value
 * taken from the spec (its example, enum, default, bounds or format), is sent to the running local
 * server with the credential the operation's security names, and must be accepted (200); and every
 * field the 200 schema declares as required (recursively, through $ref and allOf, in every array
 * element) is present in the real answer with the declared JSON type or null where it is nullable.
 */
class OpenApiWalkTest {
    private static final Path SPEC = Path.of("..", "docs", "openapi.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static JsonNode spec;
    static LakelogFixture fx;
    static LocalServer server;
    static LakelogFixture.TenantCredentials tenant;
    static String operator;
    static String ingestToken;
    static long latestSnapshot;
    static long firstDataSnapshot;

    @BeforeAll
    static void start() throws Exception {
        spec = new YAMLMapper().readTree(SPEC.toFile());
        fx = LakelogFixture.local();
        tenant = fx.createTenant("walker", Tier.PAID);
        operator = fx.createOperator("walk-ops");
        ingestToken = Secrets.newIngestToken();
        fx.app().tenants().addIngestToken(new IngestToken(Secrets.newIngestTokenId(), "walker", "walk", Instant.now()), Secrets.tokenHash(ingestToken));
        server = new LocalServer(fx.app().router(), 0);
        for (int i = 0; i < 3; i++) {
            assertThat(fx.call(LakelogFixture.signedJson(tenant, "/v1/log/batch", "[" + event("batch " + i) + "," + event("more " + i) + "]")).status()).isEqualTo(200);
            fx.app().rollup().rollup(new RollupRequest("test", Optional.of("walker"), Duration.ZERO, true));
        }
        // one event with a known log_id, rolled up, for the proof route's {log_id}
        assertThat(fx.call(LakelogFixture.signedJson(tenant, "/v1/log", event("proof").replaceFirst("\\{", "{\"log_id\":\"" + PROOF_LOG_ID + "\","))).status())
                .isEqualTo(200);
        fx.app().rollup().rollup(new RollupRequest("test", Optional.of("walker"), Duration.ZERO, true));
        assertThat(fx.call(LakelogFixture.signedJson(tenant, "/v1/log", event("still hot"))).status()).isEqualTo(200);
        JsonNode snaps = JSON.readTree(fx.call(LakelogFixture.bearer(tenant, "GET", "/v1/analytics/snapshots", Map.of(), null)).body());
        latestSnapshot = snaps.path("snapshots").get(0).path("snapshot_id").asLong();
        firstDataSnapshot = latestSnapshot - 3;
    }

    @AfterAll
    static void stop() {
        server.close();
        fx.close();
    }

    static String event(String message) {
        return "{\"timestamp\":\"" + Instant.now().minusSeconds(120) + "\",\"event_type\":\"walk\",\"outcome\":\"FAILURE\",\"severity\":\"ERROR\","
                + "\"message\":\"payment " + message + " declined\",\"component\":\"checkout\",\"actor_id\":\"user-1\","
                + "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\"}";
    }

    // --- the spec --------------------------------------------------------------------------------

    static JsonNode resolve(JsonNode n) {
        while (n != null && n.has("$ref")) n = spec.at(n.get("$ref").asText().substring(1));
        return n;
    }

    record Operation(String method, String path, JsonNode op) {
        String id() {
            return op.path("operationId").asText(method + " " + path);
        }
    }

    static List<Operation> operations() {
        List<Operation> out = new ArrayList<>();
        spec.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(m -> {
            if (List.of("get", "post", "put", "delete", "patch").contains(m.getKey())) out.add(new Operation(m.getKey().toUpperCase(), p.getKey(), m.getValue()));
        }));
        return out;
    }

    static List<JsonNode> parameters(Operation o) {
        List<JsonNode> out = new ArrayList<>();
        o.op().path("parameters").forEach(p -> out.add(resolve(p)));
        return out;
    }

    /** A valid value for a parameter, from the spec: example, enum, default, bounds, format. */
    static String value(JsonNode param) {
        String name = param.path("name").asText();
        switch (name) {
            case "id": return Long.toString(latestSnapshot);
            case "from_snapshot": return Long.toString(firstDataSnapshot);
            case "to_snapshot": return Long.toString(latestSnapshot);
            case "Idempotency-Key": return "walk-" + UUID.randomUUID();
            case "as_of": return Instant.now().toString(); // a time the lake has a snapshot for
            default: break;
        }
        if (param.has("example")) return param.get("example").asText();
        JsonNode schema = resolve(param.path("schema"));
        if (schema.has("example")) return schema.get("example").asText();
        if (schema.has("enum")) return schema.get("enum").get(0).asText();
        if (schema.has("default")) return schema.get("default").asText();
        String type = schema.path("type").asText();
        if (type.equals("integer")) return Long.toString(schema.has("minimum") ? Math.max(schema.get("minimum").asLong(), 1) : 1);
        if (type.equals("boolean")) return "true";
        if (schema.path("format").asText().equals("date-time")) return Instant.now().minus(Duration.ofDays(1)).toString();
        if (type.equals("string")) return "checkout";
        throw new AssertionError("no valid value for parameter " + name + " with schema " + schema);
    }

    // --- requests ---------------------------------------------------------------------------------

    record Sent(String description, int status, String contentType, byte[] body) {}

    private static String namedQuery() throws Exception {
        JsonNode list = JSON.readTree(fx.call(LakelogFixture.bearer(tenant, "GET", "/v1/analytics/queries", Map.of(), null)).body());
        return list.path("queries").get(0).path("name").asText();
    }

    private static byte[] body(Operation o) throws Exception {
        String json = switch (o.id()) {
            case "ingestOne" -> event("one");
            case "ingestBatch" -> "[" + event("b1") + "," + event("b2") + "]";
            case "ingestOtlp" -> "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"" + Instant.now().minusSeconds(60).toEpochMilli()
                    + "000000\",\"severityText\":\"WARN\",\"body\":{\"stringValue\":\"otlp walk\"},\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\"}]}]}]}";
            case "ingestOtlpMetrics" -> "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"walk.gauge\",\"gauge\":{\"dataPoints\":[{\"timeUnixNano\":\""
                    + Instant.now().minusSeconds(60).toEpochMilli() + "000000\",\"asDouble\":1.5}]}}]}]}]}";
            case "analyticsCustomQuery" -> "{\"query\":\"SELECT severity, count(*) AS n FROM logs WHERE component = $c GROUP BY severity\",\"params\":{\"c\":\"checkout\"}}";
            case "analyticsRunNamedQuery" -> namedQueryBody();
            case "placeHold" -> "{\"tenant_id\":\"walker\",\"event_type\":\"walk\",\"reason\":\"the OpenAPI walk\"}";
            case "submitQueryJob" -> "{\"type\":\"logs\",\"format\":\"csv\"}";
            default -> null;
        };
        return json == null ? null : json.getBytes(StandardCharsets.UTF_8);
    }

    static final String PROOF_LOG_ID = "walk-proof-1";

    private static String finishedJob;

    /** A job of the walker's that has finished (so its answer has the result fields). */
    private static synchronized String finishedJob() throws Exception {
        if (finishedJob != null) return finishedJob;
        var r = fx.call(LakelogFixture.bearer(tenant, "POST", "/v1/analytics/jobs", Map.of(),
                "{\"type\":\"logs\",\"format\":\"csv\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(202);
        String id = JSON.readTree(r.body()).path("job_id").asText();
        for (int i = 0; i < 600; i++) {
            String state = JSON.readTree(fx.call(LakelogFixture.bearer(tenant, "GET", "/v1/analytics/jobs/" + id, Map.of(), null)).body())
                    .path("state").asText();
            if (state.equals("succeeded")) return finishedJob = id;
            assertThat(state).isNotEqualTo("failed");
            Thread.sleep(100);
        }
        throw new AssertionError("the walk's job did not finish");
    }

    /** A fresh legal hold on the walker's walk events (placed by the operator), for one release. */
    private static String placedHold() throws Exception {
        var r = fx.call(new dev.lakelog.api.ApiRequest("POST", "/v1/analytics/holds", Map.of(),
                Map.of("Authorization", "Bearer " + operator, "Content-Type", "application/json"),
                "{\"tenant_id\":\"walker\",\"event_type\":\"walk\",\"reason\":\"to release\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return JSON.readTree(r.body()).path("hold").path("hold_id").asText();
    }

    /** The first named query with a value for each of its required parameters, by type. */
    private static String namedQueryBody() throws Exception {
        JsonNode list = JSON.readTree(fx.call(LakelogFixture.bearer(tenant, "GET", "/v1/analytics/queries", Map.of(), null)).body());
        ObjectNode params = JSON.createObjectNode();
        for (JsonNode p : list.path("queries").get(0).path("params")) {
            if (!p.path("required").asBoolean(false)) continue;
            String type = p.path("type").asText();
            String n = p.path("name").asText();
            if (type.equals("TIMESTAMP")) params.put(n, Instant.now().minus(Duration.ofDays(7)).toString());
            else if (type.equals("INTEGER")) params.put(n, 10);
            else params.put(n, "checkout");
        }
        return JSON.createObjectNode().<ObjectNode>set("params", params).toString();
    }

    private static Sent send(Operation o, Map<String, String> query, Map<String, String> headers, String description) throws Exception {
        String path = o.path().replace("{id}", Long.toString(latestSnapshot)).replace("{name}", namedQuery())
                .replace("{log_id}", PROOF_LOG_ID);
        if (path.contains("{hold_id}")) path = path.replace("{hold_id}", placedHold()); // each release needs an active hold
        if (path.contains("{job_id}")) path = path.replace("{job_id}", finishedJob());
        byte[] body = body(o);
        Map<String, String> h = new LinkedHashMap<>(headers);
        if (body != null) {
            h.putIfAbsent("Content-Type", "application/json");
            if ("gzip".equals(h.get("Content-Encoding"))) {
                ByteArrayOutputStream gz = new ByteArrayOutputStream();
                try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
                    z.write(body);
                }
                body = gz.toByteArray();
            }
        } else {
            h.remove("Content-Encoding");
        }
        authorize(o, h, body == null ? new byte[0] : body);
        StringBuilder q = new StringBuilder();
        query.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path + q)).timeout(Duration.ofSeconds(60))
                .method(o.method(), body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        h.forEach(b::header);
        HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Sent(o.method() + " " + path + q + " [" + description + "]", r.statusCode(),
                r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    /** The credential of the operation's first security requirement. */
    private static void authorize(Operation o, Map<String, String> h, byte[] body) {
        JsonNode security = o.op().has("security") ? o.op().get("security") : spec.path("security");
        if (security.isEmpty()) return;
        String scheme = security.get(0).fieldNames().next();
        switch (scheme) {
            case "hmacKeyId", "hmacSignature" -> {
                h.put("X-Key-Id", tenant.keyId());
                h.put("X-Signature", Authenticator.signatureHeader(tenant.hmacSecret(), Instant.now().getEpochSecond(), body));
            }
            case "ingestToken" -> h.put("Authorization", "Bearer " + ingestToken);
            case "operatorToken" -> h.put("Authorization", "Bearer " + operator);
            case "bearerToken" -> h.put("Authorization", "Bearer " + tenant.token());
            default -> throw new AssertionError("unknown security scheme " + scheme + " in " + o.id());
        }
    }

    // --- answers ----------------------------------------------------------------------------------

    /** Every required field of {@code schema} in {@code value}, with its type (or null where nullable). */
    static void check(JsonNode schema, JsonNode value, String path, List<String> problems) {
        schema = resolve(schema);
        if (schema == null || schema.isMissingNode()) return;
        if (value == null || value.isMissingNode()) {
            problems.add(path + ": missing");
            return;
        }
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false) && schema.has("type")) problems.add(path + ": null, not nullable");
            return;
        }
        if (schema.has("allOf")) {
            for (JsonNode part : schema.get("allOf")) check(part, value, path, problems);
            return;
        }
        if (schema.has("oneOf") || schema.has("anyOf")) {
            for (JsonNode alt : schema.has("oneOf") ? schema.get("oneOf") : schema.get("anyOf")) {
                List<String> p = new ArrayList<>();
                check(alt, value, path, p);
                if (p.isEmpty()) return;
            }
            problems.add(path + ": matches none of the alternatives");
            return;
        }
        String type = schema.path("type").asText(schema.has("properties") ? "object" : "");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    problems.add(path + ": " + value.getNodeType() + ", declared object");
                    return;
                }
                for (JsonNode req : schema.path("required")) {
                    String f = req.asText();
                    JsonNode fs = schema.path("properties").path(f);
                    if (!value.has(f)) problems.add(path + "." + f + ": missing");
                    else check(fs.isMissingNode() ? JSON.createObjectNode() : fs, value.get(f), path + "." + f, problems);
                }
                Iterator<Map.Entry<String, JsonNode>> props = schema.path("properties").fields();
                while (props.hasNext()) {
                    Map.Entry<String, JsonNode> e = props.next();
                    String where = currentOperation + " " + path.replaceAll("\\[\\d+]", "[]") + "." + e.getKey();
                    if (value.has(e.getKey())) {
                        SEEN.add(where);
                        if (!isRequired(schema, e.getKey())) check(e.getValue(), value.get(e.getKey()), path + "." + e.getKey(), problems);
                    } else {
                        DECLARED_OPTIONAL.add(where);
                    }
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    problems.add(path + ": " + value.getNodeType() + ", declared array");
                    return;
                }
                for (int i = 0; i < value.size(); i++) check(schema.path("items"), value.get(i), path + "[" + i + "]", problems);
            }
            case "string" -> {
                if (!value.isTextual()) problems.add(path + ": " + value.getNodeType() + ", declared string");
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) problems.add(path + ": " + value.getNodeType() + ", declared integer");
            }
            case "number" -> {
                if (!value.isNumber()) problems.add(path + ": " + value.getNodeType() + ", declared number");
            }
            case "boolean" -> {
                if (!value.isBoolean()) problems.add(path + ": " + value.getNodeType() + ", declared boolean");
            }
            default -> {
                // no type: anything
            }
        }
    }

    /** Declared properties seen in some answer, and optional ones found absent (by operation and path). */
    static final java.util.Set<String> SEEN = new java.util.TreeSet<>();
    static final java.util.Set<String> DECLARED_OPTIONAL = new java.util.TreeSet<>();
    static String currentOperation = "";

    /**
     * Optional properties of 200 answers that a plain walk does not produce, and when they appear.
     * Every other declared property must appear in some real answer.
     */
    static final Map<String, String> CONDITIONAL = Map.of(
            "ingestOtlp $.partialSuccess", "only when some log records were refused (OtlpIngestTest covers it)",
            "ingestOtlpMetrics $.partialSuccess", "only when some data points were refused (MetricsIngestAndRollupTest covers it)",
            "analyticsLogs $.snapshot_id", "LogsResponse is shared: snapshot_id only on /v1/analytics/logs/snapshot/{id}",
            "analyticsLogsAtSnapshot $.as_of", "LogsResponse is shared: as_of only on /v1/analytics/logs with as_of",
            "analyticsLogsAtSnapshot $.fresh", "LogsResponse is shared: fresh only on latest reads of /v1/analytics/logs",
            "analyticsLogsAtSnapshot $.hot_segments_read", "LogsResponse is shared: hot_segments_read only on fresh reads",
            "readyz $.failing", "only when a dependency fails, which is a 503 (OperationsRoutesTest covers it)",
            "getQueryJob $.error", "only when the job failed (QueryJobsTest covers it)");

    private static boolean isRequired(JsonNode schema, String field) {
        for (JsonNode r : schema.path("required")) if (r.asText().equals(field)) return true;
        return false;
    }

    private static List<String> problems(Operation o, Sent s) throws Exception {
        List<String> out = new ArrayList<>();
        // the documented success: 200, or 202 for an operation that only accepts (POST /v1/analytics/jobs)
        String success = o.op().path("responses").has("200") ? "200" : "202";
        if (s.status() != Integer.parseInt(success)) {
            out.add(s.description() + ": " + s.status() + " " + new String(s.body(), StandardCharsets.UTF_8));
            return out;
        }
        currentOperation = o.id();
        JsonNode content = resolve(o.op().path("responses").path(success)).path("content");
        String ct = s.contentType().split(";")[0].trim();
        JsonNode media = content.path(ct);
        if (media.isMissingNode()) {
            out.add(s.description() + ": answered " + ct + ", the spec's 200 declares " + content.findValuesAsText("x").size() + " other types " + fieldNames(content));
            return out;
        }
        if (!ct.equals("application/json")) return out; // text/plain metrics, protobuf: the content type is the check
        List<String> p = new ArrayList<>();
        check(media.path("schema"), JSON.readTree(s.body()), "$", p);
        p.forEach(x -> out.add(s.description() + ": " + x));
        return out;
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void every_operation_accepts_each_documented_parameter_and_answers_every_declared_field() throws Exception {
        List<String> problems = new ArrayList<>();
        int requests = 0;
        int parametersSent = 0;
        for (Operation o : operations()) {
            Map<String, String> requiredQuery = new LinkedHashMap<>();
            for (JsonNode p : parameters(o)) {
                if (p.path("in").asText().equals("query") && p.path("required").asBoolean(false)) requiredQuery.put(p.path("name").asText(), value(p));
            }
            Sent base = send(o, requiredQuery, Map.of(), "required only");
            requests++;
            problems.addAll(problems(o, base));
            for (JsonNode p : parameters(o)) {
                String name = p.path("name").asText();
                String in = p.path("in").asText();
                if (in.equals("path")) continue; // always sent
                Map<String, String> q = new LinkedHashMap<>(requiredQuery);
                Map<String, String> h = new LinkedHashMap<>();
                if (in.equals("query")) q.put(name, value(p));
                else if (in.equals("header")) h.put(name, value(p));
                Sent s = send(o, q, h, name + "=" + (in.equals("query") ? q.get(name) : h.get(name)));
                requests++;
                parametersSent++;
                problems.addAll(problems(o, s));
            }
        }
        System.out.println("OpenApiWalkTest: " + operations().size() + " operations, " + requests + " requests, " + parametersSent + " parameters sent one by one");
        assertThat(problems).as("operations of " + SPEC + " that refused a documented parameter or missed a declared field").isEmpty();
        java.util.Set<String> neverSeen = new java.util.TreeSet<>(DECLARED_OPTIONAL);
        neverSeen.removeAll(SEEN);
        neverSeen.removeAll(CONDITIONAL.keySet());
        assertThat(neverSeen).as("properties declared for a 200 that no real answer of the walk had").isEmpty();
        assertThat(parametersSent).isGreaterThan(40);
    }

    @Test
    void the_checker_finds_a_missing_required_field_and_a_wrong_type() throws Exception {
        JsonNode schema = JSON.readTree("{\"type\":\"object\",\"required\":[\"a\",\"b\"],\"properties\":{\"a\":{\"type\":\"integer\"},"
                + "\"b\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"c\"],\"properties\":{\"c\":{\"type\":\"string\",\"nullable\":true}}}}}}");
        List<String> p = new ArrayList<>();
        check(schema, JSON.readTree("{\"a\":\"1\",\"b\":[{\"c\":null},{\"d\":1}]}"), "$", p);
        assertThat(p).containsExactly("$.a: STRING, declared integer", "$.b[1].c: missing");
    }
}
