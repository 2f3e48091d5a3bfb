package dev.lakelog.backend;

/**
 * Starts the worker for a recorded job, without waiting for it: in AWS an asynchronous invocation
 * of the jobs function ({@code aws.LambdaJobDispatcher}, up to 15 minutes, retried by Lambda on
 * an infrastructure failure); locally a thread of an executor in the same process.
 */
public interface JobDispatcher {
    void dispatch(String tenantId, String jobId);
}
