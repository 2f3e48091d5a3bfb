package dev.lakelog.ingest;

import dev.lakelog.api.ErrorCode;
import dev.lakelog.api.LakelogException;
import java.util.List;
import java.util.stream.Collectors;

/** A 400 that lists every field error found, so a client can fix them all at once. */
public final class ValidationException extends LakelogException {
    private final List<FieldError> errors;

    public ValidationException(List<FieldError> errors) {
        super(ErrorCode.INVALID_EVENT, describe(errors));
        this.errors = List.copyOf(errors);
    }

    /** Lists every error, up to {@link #MAX_LISTED} (then says how many more), so the detail stays bounded. */
    static String describe(List<FieldError> errors) {
        String head = errors.stream().limit(MAX_LISTED).map(FieldError::describe).collect(Collectors.joining("; "));
        long bad = errors.stream().map(FieldError::index).filter(java.util.Objects::nonNull).distinct().count();
        String prefix = bad > 0 ? "invalid events (" + bad + " of the batch; nothing was stored): " : "invalid event: ";
        return prefix + head + (errors.size() > MAX_LISTED ? "; and " + (errors.size() - MAX_LISTED) + " more errors" : "");
    }

    public static final int MAX_LISTED = 100;

    /** The errors alone, bounded like {@link #describe}: for OTLP's partial-success message. */
    static String list(List<FieldError> errors) {
        String head = errors.stream().limit(MAX_LISTED).map(FieldError::describe).collect(Collectors.joining("; "));
        return head + (errors.size() > MAX_LISTED ? "; and " + (errors.size() - MAX_LISTED) + " more errors" : "");
    }

    public List<FieldError> errors() {
        return errors;
    }
}
