package dev.lakelog.lake;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the lake lives: a DuckDB-file catalog with local data files (local mode), or a
 * PostgreSQL catalog with data files in S3.
 */
public sealed interface LakeStorage {

    record Local(Path dataDir) implements LakeStorage {}

    /**
     * @param s3Endpoint host:port of an S3-protocol server (tests, local S3); empty for AWS
     */
    record S3Postgres(String bucket, String region, Optional<String> s3Endpoint,
                      String pgHost, int pgPort, String pgDatabase, String pgUser, String pgPassword, String pgSslmode)
            implements LakeStorage {
        @Override
        public String toString() {
            return "S3Postgres[bucket=" + bucket + ", region=" + region + ", s3Endpoint=" + s3Endpoint
                    + ", pgHost=" + pgHost + ", pgPort=" + pgPort + ", pgDatabase=" + pgDatabase + ", sslmode=" + pgSslmode + "]";
        }
    }
}
