package dev.lakelog.lake;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;

/**
 * The lake (DuckDB, the DuckLake catalog or its storage) failed: {@link ErrorCode#LAKE_UNAVAILABLE}.
 * Messages are redacted of secrets; the caller's detail names no internals.
 */
public final class LakeException extends LakelogException {
    public LakeException(String message, Throwable cause) {
        super(ErrorCode.LAKE_UNAVAILABLE, message, cause);
    }

    public LakeException(String message) {
        this(message, null);
    }

    @Override
    public String detail() {
        return "the lake is unavailable; retry later";
    }
}
