package dev.lakelog.aws;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakelog.backend.JobDispatcher;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;

/**
 * Starts a job's worker as an asynchronous invocation ({@code InvocationType=Event}) of the jobs
 * function ({@code LAKELOG_JOBS_FUNCTION}) with {@code {"tenant_id": ..., "job_id": ...}}: Lambda
 * queues the event, answers 202 at once and runs the function with its own timeout (up to 15
 * minutes); the function's event invoke config retries an invocation that failed in the runtime.
 */
public final class LambdaJobDispatcher implements JobDispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LambdaClient lambda;
    private final String function;

    public LambdaJobDispatcher(LambdaClient lambda, String function) {
        this.lambda = lambda;
        this.function = function;
    }

    /** The event the jobs function receives. */
    public static String event(String tenantId, String jobId) {
        return JSON.createObjectNode().put("tenant_id", tenantId).put("job_id", jobId).toString();
    }

    @Override
    public void dispatch(String tenantId, String jobId) {
        lambda.invoke(b -> b.functionName(function).invocationType(InvocationType.EVENT).payload(SdkBytes.fromUtf8String(event(tenantId, jobId))));
    }
}
