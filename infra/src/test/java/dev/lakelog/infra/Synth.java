package dev.lakelog.infra;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

/**
 * Synthesizes LakelogStack the way {@code cdk synth} does (the context and feature flags of
 * cdk.json), with a small temporary zip standing in for the functions' deployment package.
 * Templates are cached per set of overrides: one synth costs a few seconds of jsii.
 */
final class Synth {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Map<String, Object>, Template> CACHE = new ConcurrentHashMap<>();
    private static Path zip;
    private static Path ingestZip;
    private static final Map<Template, software.amazon.awscdk.assertions.Annotations> ANNOTATIONS = new ConcurrentHashMap<>();

    /** The annotations (cdk-nag findings among them) of the synth that made {@code t}. */
    static software.amazon.awscdk.assertions.Annotations annotations(Template t) {
        return ANNOTATIONS.get(t);
    }

    private Synth() {
    }

    /** The stack with cdk.json's defaults. */
    static Template template() {
        return template(Map.of());
    }

    /** The stack with cdk.json's context plus {@code overrides}. */
    static Template template(Map<String, Object> overrides) {
        return CACHE.computeIfAbsent(Map.copyOf(overrides), Synth::synth);
    }

    /** Builds a fresh app with cdk.json's context, {@code overrides}, and returns its stack's template. */
    static Template synth(Map<String, Object> overrides) {
        Map<String, Object> context = new LinkedHashMap<>(cdkJsonContext());
        context.put("lambdaZip", testZip().toString());
        context.put(ConsoleConstruct.CONTEXT_DIR, testConsole().toString());
        context.put("ingestZip", testIngestZip().toString());
        context.putAll(overrides);
        Path out;
        try {
            out = Files.createTempDirectory("lakelog-cdk-out");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        App app = new App(AppProps.builder().context(context).outdir(out.toString()).analyticsReporting(false).build());
        LakelogStack stack = new LakelogStack(app, "LakelogStack", StackProps.builder().build(),
                StackConfig.fromContext(app.getNode()));
        LakelogApp.addNagChecks(app);
        Template t = Template.fromStack(stack);
        ANNOTATIONS.put(t, software.amazon.awscdk.assertions.Annotations.fromStack(stack));
        return t;
    }

    /** cdk.json's "context" object. */
    static Map<String, Object> cdkJsonContext() {
        try {
            Map<String, Object> cdkJson = JSON.readValue(Path.of("cdk.json").toFile(), new TypeReference<>() { });
            @SuppressWarnings("unchecked")
            Map<String, Object> ctx = (Map<String, Object>) cdkJson.get("context");
            return ctx;
        } catch (IOException e) {
            throw new UncheckedIOException("tests run from infra/ and read cdk.json", e);
        }
    }

    private static Path console;

    /** A stand-in for the bundled console (functions/target/classes/console): an index.html. */
    static synchronized Path testConsole() {
        if (console == null) {
            try {
                console = Files.createTempDirectory("lakelog-console-test");
                Files.writeString(console.resolve("index.html"), "<!doctype html><title>lakelog console (test stand-in)</title>\n");
                console.toFile().deleteOnExit();
                console.resolve("index.html").toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return console;
    }

    /** A tiny zip: asset staging only needs a file that exists. */
    static synchronized Path testZip() {
        if (zip == null) zip = tinyZip("lakelog-lambda-x86_64.zip");
        return zip;
    }

    /** The stand-in for the slim ingest/authorizer zip (different content: a different asset). */
    static synchronized Path testIngestZip() {
        if (ingestZip == null) ingestZip = tinyZip("lakelog-lambda-ingest.zip");
        return ingestZip;
    }

    private static Path tinyZip(String standsFor) {
        try {
            Path p = Files.createTempFile("lakelog-lambda-test", ".zip");
            try (OutputStream os = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(os)) {
                z.putNextEntry(new ZipEntry("README.txt"));
                z.write(("stand-in for lambda-package/target/" + standsFor + "\n").getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- navigation over the template's JSON ---------------------------------------------------

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> resources(Template t, String type) {
        return (Map<String, Map<String, Object>>) (Map<?, ?>) t.findResources(type);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> props(Map<String, Object> resource) {
        return (Map<String, Object>) resource.getOrDefault("Properties", Map.of());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of(o);
    }

    /** The one resource of {@code type} whose logical id starts with {@code prefix}. */
    static Map.Entry<String, Map<String, Object>> byIdPrefix(Template t, String type, String prefix) {
        List<Map.Entry<String, Map<String, Object>>> hits = resources(t, type).entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix)).toList();
        if (hits.size() != 1) {
            throw new AssertionError("expected one " + type + " with logical id " + prefix + "*, found "
                    + hits.stream().map(Map.Entry::getKey).toList());
        }
        return hits.get(0);
    }

    /** Logical id of the resource of {@code type} whose logical id starts with {@code prefix}. */
    static String logicalId(Template t, String type, String prefix) {
        return byIdPrefix(t, type, prefix).getKey();
    }

    /** The Lambda function with this handler class (in dev.lakelog.handler). */
    static Map.Entry<String, Map<String, Object>> function(Template t, String handlerClass) {
        String handler = LakelogStack.HANDLER_PACKAGE + handlerClass + "::handleRequest";
        List<Map.Entry<String, Map<String, Object>>> hits = resources(t, "AWS::Lambda::Function").entrySet().stream()
                .filter(e -> handler.equals(props(e.getValue()).get("Handler"))).toList();
        if (hits.size() != 1) {
            throw new AssertionError("expected one function with handler " + handler + ", found " + hits.size());
        }
        return hits.get(0);
    }

    /**
     * Logical id of the {@code live} alias of the function with this handler class: what every invoker
     * calls (docs/infra.md#snapstart). A {@code Ref} to it is the alias's ARN.
     */
    static String liveAlias(Template t, String handlerClass) {
        String fn = function(t, handlerClass).getKey();
        List<String> hits = resources(t, "AWS::Lambda::Alias").entrySet().stream()
                .filter(e -> Map.of("Ref", fn).equals(props(e.getValue()).get("FunctionName"))
                        && "live".equals(props(e.getValue()).get("Name")))
                .map(Map.Entry::getKey).toList();
        if (hits.size() != 1) throw new AssertionError("expected one live alias of " + handlerClass + ", found " + hits.size());
        return hits.get(0);
    }

    static Map<String, Object> getAtt(String logicalId, String attr) {
        return Map.of("Fn::GetAtt", List.of(logicalId, attr));
    }

    static Map<String, Object> ref(String logicalId) {
        return Map.of("Ref", logicalId);
    }

    static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
