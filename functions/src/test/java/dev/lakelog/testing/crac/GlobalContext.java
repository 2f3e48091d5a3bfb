package dev.lakelog.testing.crac;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The global context with the Lambda Java runtime's documented order and references: resources held weakly
 * (org.crac registers a proxy the application keeps reachable through its resource), before-checkpoint hooks
 * in reverse order of registration, after-restore hooks in order of registration, every hook called even when
 * one fails, the failures suppressed into one exception.
 */
final class GlobalContext extends Context<Resource> {
    private final Map<Resource, Long> registered = new WeakHashMap<>();
    private long order;

    @Override
    public synchronized void register(Resource resource) {
        registered.put(resource, order++);
    }

    private synchronized List<Resource> inOrder(boolean reverse) {
        List<Map.Entry<Resource, Long>> entries = new ArrayList<>(registered.entrySet());
        entries.sort(Map.Entry.comparingByValue());
        List<Resource> out = new ArrayList<>();
        for (Map.Entry<Resource, Long> e : entries) out.add(e.getKey());
        if (reverse) java.util.Collections.reverse(out);
        return out;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws CheckpointException {
        List<Throwable> failures = new ArrayList<>();
        for (Resource r : inOrder(true)) {
            try {
                r.beforeCheckpoint(this);
            } catch (Exception e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            CheckpointException ce = new CheckpointException();
            failures.forEach(ce::addSuppressed);
            throw ce;
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) throws RestoreException {
        List<Throwable> failures = new ArrayList<>();
        for (Resource r : inOrder(false)) {
            try {
                r.afterRestore(this);
            } catch (Exception e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            RestoreException re = new RestoreException();
            failures.forEach(re::addSuppressed);
            throw re;
        }
    }
}
