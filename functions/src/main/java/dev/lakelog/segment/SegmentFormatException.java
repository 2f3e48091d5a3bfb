package dev.lakelog.segment;

/** A segment object cannot be decoded or fails its digest: rollup quarantines it. */
public final class SegmentFormatException extends Exception {
    public SegmentFormatException(String message) {
        super(message);
    }

    public SegmentFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
