package dev.lakelog.backend;

import java.util.Optional;

/**
 * Where asynchronous query jobs are recorded: a DynamoDB table in AWS ({@code aws.DynamoJobStore}),
 * a directory of JSON files locally ({@code local.FileJobStore}). A job is keyed by its tenant and
 * its id together, so a tenant can only ever find its own jobs.
 */
public interface JobStore {
    /** Records a new job; fails if a job with that id already exists for the tenant. */
    void create(QueryJob job);

    /** The tenant's job with that id, if any (and not expired). */
    Optional<QueryJob> get(String tenantId, String id);

    /** Replaces the job's record (state changes). */
    void save(QueryJob job);
}
