package dev.lakelog.auth;

import java.time.Instant;

/**
 * A tenant's write-only Bearer token: accepted by the ingest routes ({@code /v1/log},
 * {@code /v1/log/batch}, {@code /v1/logs}) and by nothing else, for shippers that cannot sign each
 * body. Stored as a SHA-256 hash; {@code id} (shown by {@code tenant ingest-token list}) names it
 * for revocation, the token itself is printed once at creation.
 */
public record IngestToken(String id, String tenantId, String name, Instant createdAt) {}
