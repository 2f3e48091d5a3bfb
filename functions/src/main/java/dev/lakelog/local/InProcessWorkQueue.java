package dev.lakelog.local;

import dev.lakelog.log.JsonLog;
import dev.lakelog.queue.WorkMessage;
import dev.lakelog.queue.WorkQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Local mode's {@link WorkQueue}: messages in memory, taken by {@code workers} threads. With the
 * semantics of the SQS queue it stands in for: a message whose handler throws comes back after
 * {@code visibility}, and after {@code maxReceives} failed deliveries it is moved aside to the
 * dead letters (logged {@code work_dead_lettered}, kept in {@link #deadLetters()}). Messages live
 * only as long as the process: a restart loses the queue, not the work (the next schedule lists
 * the hot tier again).
 */
public final class InProcessWorkQueue implements WorkQueue, AutoCloseable {
    private static final JsonLog LOG = JsonLog.get(InProcessWorkQueue.class);
    private final DelayQueue<Entry> queue = new DelayQueue<>();
    private final List<WorkMessage> deadLetters = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Duration visibility;
    private final int maxReceives;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    public InProcessWorkQueue(Duration visibility, int maxReceives) {
        this.visibility = visibility;
        this.maxReceives = maxReceives;
    }

    private record Entry(WorkMessage message, long visibleAtNanos, int receives) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(visibleAtNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(visibleAtNanos, ((Entry) o).visibleAtNanos);
        }
    }

    @Override
    public void send(List<WorkMessage> messages, Duration delay) {
        long at = System.nanoTime() + delay.toNanos();
        for (WorkMessage m : messages) queue.add(new Entry(m, at, 0));
    }

    /** Starts {@code workers} threads that hand each message to {@code handler}; a throw means "deliver again later". */
    public synchronized void start(int workers, String name, Consumer<WorkMessage> handler) {
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(() -> work(handler), "lakelog-" + name + "-worker-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    private void work(Consumer<WorkMessage> handler) {
        while (!closed) {
            Entry e;
            try {
                e = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                return;
            }
            if (e == null) continue;
            inFlight.incrementAndGet();
            try {
                handler.accept(e.message());
            } catch (RuntimeException ex) {
                int receives = e.receives() + 1;
                if (receives >= maxReceives) {
                    deadLetters.add(e.message());
                    LOG.error("work_dead_lettered", ex, "message", e.message().toJson(), "receives", receives);
                } else {
                    queue.add(new Entry(e.message(), System.nanoTime() + visibility.toNanos(), receives));
                    LOG.warn("work_failed", "message", e.message().toJson(), "receives", receives, "error", String.valueOf(ex.getMessage()));
                }
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    /** Messages waiting (visible or delayed) plus those being handled. */
    public int pending() {
        return queue.size() + inFlight.get();
    }

    public List<WorkMessage> deadLetters() {
        return List.copyOf(deadLetters);
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Thread t : threads) t.interrupt();
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
