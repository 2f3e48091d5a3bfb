package dev.lakelog.ingest;

/** One problem with one field of one event; {@code index} is the event's position in a batch, or null. */
public record FieldError(Integer index, String field, String problem) {
    public String describe() {
        String where = index == null ? field : "events[" + index + "]." + field;
        return where + ": " + problem;
    }
}
