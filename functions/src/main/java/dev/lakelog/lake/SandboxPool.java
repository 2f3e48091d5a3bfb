package dev.lakelog.lake;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Idle locked sandboxes kept for the next query of the same tenant over the same files, so a warm
 * container pays DuckDB start-up, {@code SET}s and the view once per tenant snapshot, not per query.
 *
 * <p>A sandbox is reused only for a request whose {@link Key} is equal to the one it was built for:
 * the same tenant, exactly the same allowed files (the tenant's data and delete files at its current
 * snapshot), the same set-up SQL and limits, and the same S3 credentials. Its configuration is locked
 * ({@code lock_configuration}), so nothing a query runs can widen what it may read; the key makes sure
 * the files it was locked to are still exactly what the request would lock a fresh one to. A
 * tenant's idle sandboxes for other keys (an older snapshot) are closed when a request with a new key
 * comes. One query at a time uses a sandbox: it is out of the pool while in use. At most
 * {@link #MAX_IDLE} are kept idle (oldest closed first), none longer than {@link #MAX_IDLE_MS}.
 */
final class SandboxPool implements AutoCloseable {
    /** Idle sandboxes kept at most (each may hold up to its memory limit of cached data). */
    static final int MAX_IDLE = 2;
    /** An idle sandbox unused for this long is closed instead of reused. */
    static final long MAX_IDLE_MS = 5 * 60_000L;

    /** What a sandbox was built for; reuse needs all of it equal. */
    record Key(String tenant, List<String> allowedPaths, String memoryLimit, int threads, List<String> setup, S3Credentials credentials) {
        Key {
            allowedPaths = List.copyOf(allowedPaths);
            setup = List.copyOf(setup);
        }
    }

    private record Idle(Key key, Sandbox sandbox, long since) {}

    private final LinkedHashMap<Sandbox, Idle> idle = new LinkedHashMap<>();
    private boolean closed;
    private long reused;
    private long opened;

    /** An idle sandbox for exactly {@code key}, or null; closes the tenant's idle ones for other keys. */
    Sandbox take(Key key, long nowMs) {
        List<Sandbox> stale = new ArrayList<>();
        Sandbox found = null;
        synchronized (this) {
            for (Iterator<Map.Entry<Sandbox, Idle>> it = idle.entrySet().iterator(); it.hasNext(); ) {
                Idle i = it.next().getValue();
                boolean expired = nowMs - i.since() > MAX_IDLE_MS;
                boolean sameTenant = i.key().tenant().equals(key.tenant());
                if (expired || (sameTenant && !i.key().equals(key))) {
                    it.remove();
                    stale.add(i.sandbox());
                } else if (found == null && i.key().equals(key)) {
                    it.remove();
                    found = i.sandbox();
                }
            }
            if (found != null) reused++;
            else opened++;
        }
        for (Sandbox s : stale) s.destroy();
        return found;
    }

    /** Keeps {@code s}, built for {@code key}, for the next request with an equal key. */
    void give(Key key, Sandbox s, long nowMs) {
        List<Sandbox> evicted = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                evicted.add(s);
            } else {
                idle.put(s, new Idle(key, s, nowMs));
                while (idle.size() > MAX_IDLE) {
                    Iterator<Sandbox> it = idle.keySet().iterator();
                    evicted.add(it.next());
                    it.remove();
                }
            }
        }
        for (Sandbox e : evicted) e.destroy();
    }

    /** Sandboxes reused and opened so far (for tests and the benchmark). */
    synchronized long[] counts() {
        return new long[] {reused, opened};
    }

    synchronized int idleCount() {
        return idle.size();
    }

    @Override
    public void close() {
        List<Sandbox> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(idle.keySet());
            idle.clear();
        }
        for (Sandbox s : all) s.destroy();
    }
}
