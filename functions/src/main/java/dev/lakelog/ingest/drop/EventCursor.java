package dev.lakelog.ingest.drop;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The events of one dropped file, one at a time (bounded memory whatever the file's size), each
 * with where it is in the file ("line 12", "row 3 (line 4)", "request 2 (line 2), resourceLogs[0]...").
 * Events are JSON as the HTTP routes receive them, for {@code ingest.EventValidator}.
 */
interface EventCursor extends AutoCloseable {
    record Item(JsonNode event, String at) {}

    /** The next event, or null after the last; a file that cannot be read further is a {@link DropProblem}. */
    Item next() throws DropProblem, java.io.IOException;

    @Override
    void close() throws java.io.IOException;
}
