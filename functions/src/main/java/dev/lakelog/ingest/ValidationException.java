package dev.lakelog.ingest;

import dev.lakelog.api.ApiException;
import java.util.List;
import java.util.stream.Collectors;

/** A 400 that lists every field error found, so a client can fix them all at once. */
public final class ValidationException extends ApiException {
    private final List<FieldError> errors;

    public ValidationException(List<FieldError> errors) {
        super(400, "invalid event: " + errors.stream().map(FieldError::describe).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
