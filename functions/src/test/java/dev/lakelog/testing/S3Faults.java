package dev.lakelog.testing;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Makes the test S3 server fail chosen calls with a 500 (as a real S3 outage would), so tests can
 * show that nothing is lost or doubled. Shared by every test in the JVM: always {@link #clear()}
 * in a finally block or {@code @AfterEach}.
 *
 * <pre>{@code
 * S3Faults faults = TestServers.s3().faults();
 * faults.failWhen(c -> c.op() == S3Faults.Op.PUT && c.key().startsWith("segments/"));
 * try { ... } finally { faults.clear(); }
 * }</pre>
 */
public final class S3Faults {
    /** The S3 operations the server can fail. */
    public enum Op { PUT, GET, HEAD, DELETE, LIST, CREATE_MULTIPART, UPLOAD_PART, COMPLETE_MULTIPART }

    /** One call as the server saw it; {@code key} is empty for bucket-level calls. */
    public record Call(Op op, String bucket, String key) {}

    private volatile Predicate<Call> rule = c -> false;
    private final AtomicInteger failed = new AtomicInteger();

    /** From now on, every call matching {@code rule} fails with HTTP 500. */
    public void failWhen(Predicate<Call> rule) {
        this.rule = rule;
    }

    /** Fails only the first {@code n} matching calls, then lets them through. */
    public void failFirst(int n, Predicate<Call> rule) {
        AtomicInteger left = new AtomicInteger(n);
        this.rule = c -> rule.test(c) && left.getAndDecrement() > 0;
    }

    public void clear() {
        rule = c -> false;
    }

    /** How many calls were failed since the server started. */
    public int failedCalls() {
        return failed.get();
    }

    void check(Op op, String bucket, String key) {
        if (rule.test(new Call(op, bucket, key == null ? "" : key))) {
            failed.incrementAndGet();
            throw new IllegalStateException("injected S3 fault: " + op + " " + bucket + "/" + key);
        }
    }
}
