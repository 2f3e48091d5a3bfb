package dev.lakelog.testing.crac;

/** Failures of before-checkpoint hooks, suppressed into one exception (as {@code jdk.crac.CheckpointException}). */
public class CheckpointException extends Exception {
    private static final long serialVersionUID = 1L;
}
