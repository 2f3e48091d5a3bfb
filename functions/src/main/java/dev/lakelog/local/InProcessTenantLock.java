package dev.lakelog.local;

import dev.lakelog.lake.TenantLock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** {@link TenantLock} for one process (local mode): a set of tenants being rolled up. */
public final class InProcessTenantLock implements TenantLock {
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    @Override
    public Optional<Held> tryAcquire(String tenantId) {
        if (!held.add(tenantId)) return Optional.empty();
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        return Optional.of(new Held() {
            @Override
            public boolean renew() {
                return !released.get();
            }

            @Override
            public void close() {
                // idempotent: a second close must not release a lease someone else took since
                if (released.compareAndSet(false, true)) held.remove(tenantId);
            }
        });
    }
}
