package dev.lakelog.ingest;

import java.util.List;

/** What an accepted request wrote: the event ids (in request order) and the segment objects. */
public record IngestResult(List<String> logIds, List<String> segmentKeys) {}
