package dev.lakelog.ingest.drop;

import dev.lakelog.api.ErrorCode;
import java.util.List;

/**
 * Why a dropped file is refused: an error code of the HTTP API's vocabulary (docs/api.md, "Errors"),
 * a sentence, and for invalid events the first {@link #MAX_LISTED} problems with where they are
 * (line, row or record) and which field. A refused file is quarantined whole; nothing of it is
 * written to the hot tier.
 */
final class DropProblem extends Exception {
    static final int MAX_LISTED = 100;

    /** One problem with one event: where it is in the file, its position among the file's events, the field. */
    record Entry(String at, Integer event, String field, String problem) {}

    private final ErrorCode code;
    private final transient List<Entry> entries;
    private final long badEvents;

    DropProblem(ErrorCode code, String detail) {
        this(code, detail, List.of(), 0);
    }

    DropProblem(ErrorCode code, String detail, List<Entry> entries, long badEvents) {
        super(detail);
        this.code = code;
        this.entries = List.copyOf(entries);
        this.badEvents = badEvents;
    }

    ErrorCode code() {
        return code;
    }

    List<Entry> entries() {
        return entries;
    }

    long badEvents() {
        return badEvents;
    }
}
