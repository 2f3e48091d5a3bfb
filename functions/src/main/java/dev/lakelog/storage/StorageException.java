package dev.lakelog.storage;

/** The object store failed (unreachable, refused, throttled). Callers answer 503, not 500. */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
