package dev.lakelog.config;

/**
 * Where lakelog keeps its state, chosen once from the environment ({@link LakelogConfig#backend()}):
 * <ul>
 *   <li>{@link #AWS}: segments and lake files in S3, the DuckLake catalog in PostgreSQL, tenants,
 *       idempotency records and leases in DynamoDB (the deployed functions, and the tests on the
 *       local S3, PostgreSQL and DynamoDB servers).
 *   <li>{@link #LOCAL}: everything under one data directory: files for segments and lake data, a
 *       DuckDB-file catalog, JSON files for tenants and idempotency, an in-process lease.
 * </ul>
 */
public enum Backend {
    AWS,
    LOCAL
}
