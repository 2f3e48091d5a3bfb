package dev.lakelog.storage;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;

/**
 * The object store failed (unreachable, refused, throttled): {@link ErrorCode#STORAGE_UNAVAILABLE}.
 * The message (for logs and rollup reports) names the operation; the caller's detail does not.
 */
public final class StorageException extends LakelogException {
    public StorageException(String message, Throwable cause) {
        super(ErrorCode.STORAGE_UNAVAILABLE, message, cause);
    }

    @Override
    public String detail() {
        return "storage is unavailable; retry later";
    }
}
