package dev.lakelog.lake;

/** The lake (DuckDB, DuckLake catalog or its storage) failed. Messages are redacted of secrets. */
public final class LakeException extends RuntimeException {
    public LakeException(String message, Throwable cause) {
        super(message, cause);
    }

    public LakeException(String message) {
        super(message);
    }
}
