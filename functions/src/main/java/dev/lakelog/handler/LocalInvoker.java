package dev.lakelog.handler;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.Lakelog;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Runs one handler on one event JSON the way the Lambda runtime does: the runtime's own
 * serializers for AWS event types (Jackson for plain maps and records), the handler's no-arg
 * constructor (configuration from the environment) or one bound to a given {@link Lakelog}.
 * Used by {@code lakelog invoke}, by the tests of the {@code events/} samples and by the
 * cold-start benchmark, which runs it in a fresh JVM from the deployment zip.
 *
 * <pre>java -cp 'lib/*' dev.lakelog.handler.LocalInvoker QueryHandler event.json [--timings] [--snapstart]</pre>
 *
 * <p>{@code --snapstart} plays SnapStart's part after the init phase: the container's
 * before-checkpoint hook (priming, then the app closed), its after-restore hook, then the
 * invocation, in this warm, primed JVM; the timings then also give the checkpoint hook's time and
 * the time from the after-restore hook to the answer (docs/benchmarks.md, cold start).
 */
public final class LocalInvoker {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalInvoker() {}

    public static void main(String[] args) throws Exception {
        long mainAt = System.currentTimeMillis();
        long jvmUptimeMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        if (args.length < 2) {
            System.err.println("usage: LocalInvoker <HandlerClass> <event.json|-> [--timings] [--snapstart]");
            System.exit(2);
        }
        String event = args[1].equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                : Files.readString(Path.of(args[1]));
        long t0 = System.nanoTime();
        Object handler = newHandler(args[0], null);
        long initMs = (System.nanoTime() - t0) / 1_000_000;
        java.util.List<String> flags = java.util.Arrays.asList(args).subList(2, args.length);
        long checkpointMs = -1;
        long restoreHookMs = -1;
        long restoredAt = 0;
        if (flags.contains("--snapstart")) {
            long c0 = System.nanoTime();
            LambdaApp.containerHolder().beforeCheckpoint(null);
            checkpointMs = (System.nanoTime() - c0) / 1_000_000;
            restoredAt = System.nanoTime();
            LambdaApp.containerHolder().afterRestore(null);
            restoreHookMs = (System.nanoTime() - restoredAt) / 1_000_000;
        }
        long t1 = System.nanoTime();
        String out = invoke(handler, event);
        long invokeMs = (System.nanoTime() - t1) / 1_000_000;
        long restoreToAnswerMs = restoredAt == 0 ? -1 : (System.nanoTime() - restoredAt) / 1_000_000;
        System.out.println(out);
        if (flags.contains("--timings")) {
            ObjectNode t = JSON.createObjectNode().put("main_entered_at_ms", mainAt).put("jvm_uptime_at_main_ms", jvmUptimeMs)
                    .put("handler_init_ms", initMs).put("first_invoke_ms", invokeMs);
            if (restoredAt != 0) {
                t.put("checkpoint_hook_ms", checkpointMs).put("restore_hook_ms", restoreHookMs).put("restore_to_answer_ms", restoreToAnswerMs);
            }
            var lake = LambdaApp.container().lakeIfOpen();
            if (lake != null && lake.timings() != null) {
                t.put("duckdb_load_ms", lake.timings().duckdbLoadMs()).put("extension_load_ms", lake.timings().extensionLoadMs())
                        .put("attach_ms", lake.timings().attachMs()).put("lake_open_ms", lake.timings().totalMs());
            }
            System.err.println("timings " + t);
        }
        System.exit(0);
    }

    /** The handler named by simple name (in this package) or class name; bound to {@code app} if given. */
    public static Object newHandler(String name, Lakelog app) throws ReflectiveOperationException {
        Class<?> c = Class.forName(name.contains(".") ? name : LocalInvoker.class.getPackageName() + "." + name);
        if (app != null) return c.getConstructor(Lakelog.class).newInstance(app);
        return c.getConstructor().newInstance();
    }

    /** Deserializes the event for the handler's input type, invokes it, serializes the result. */
    /**
     * Invokes {@code handler} as the Lambda runtime would: a {@link RequestStreamHandler} gets the
     * event's bytes and writes its answer; a {@link RequestHandler} gets the event deserialized by
     * the runtime's serializers and its answer serialized by them.
     */
    @SuppressWarnings("unchecked")
    public static String invoke(Object handler, String eventJson) throws Exception {
        if (handler instanceof RequestStreamHandler stream) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            stream.handleRequest(new java.io.ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8)), out, new LocalContext());
            return out.toString(StandardCharsets.UTF_8);
        }
        RequestHandler<Object, Object> typed = (RequestHandler<Object, Object>) handler;
        Method m = handleRequest(handler.getClass());
        Class<Object> in = (Class<Object>) m.getParameterTypes()[0];
        Object input = LambdaEventSerializers.isLambdaSupportedEvent(in.getName())
                ? LambdaEventSerializers.serializerFor(in, LocalInvoker.class.getClassLoader()).fromJson(eventJson)
                : JacksonFactory.getInstance().getSerializer(in).fromJson(eventJson);
        Object output = typed.handleRequest(input, new LocalContext());
        if (output == null) return "null";
        Class<Object> outType = (Class<Object>) output.getClass();
        if (LambdaEventSerializers.isLambdaSupportedEvent(outType.getName())) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            LambdaEventSerializers.serializerFor(outType, LocalInvoker.class.getClassLoader()).toJson(output, bos);
            return bos.toString(StandardCharsets.UTF_8);
        }
        // plain objects, maps and records: the runtime's own POJO serializer, which (unlike ours)
        // ignores Jackson annotations on our types
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        JacksonFactory.getInstance().getSerializer(outType).toJson(output, bos);
        return bos.toString(StandardCharsets.UTF_8);
    }

    private static Method handleRequest(Class<?> c) {
        for (Method m : c.getMethods()) {
            if (m.getName().equals("handleRequest") && m.getParameterCount() == 2 && !m.isBridge()
                    && m.getParameterTypes()[1] == Context.class) {
                return m;
            }
        }
        throw new IllegalArgumentException(c.getName() + " has no handleRequest(input, Context)");
    }
}
