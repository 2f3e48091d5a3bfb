package dev.lakelog.testing.crac;

/** Failures of after-restore hooks, suppressed into one exception (as {@code jdk.crac.RestoreException}). */
public class RestoreException extends Exception {
    private static final long serialVersionUID = 1L;
}
