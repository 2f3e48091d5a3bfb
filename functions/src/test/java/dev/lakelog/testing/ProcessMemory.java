package dev.lakelog.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/** Samples this process's memory while a test runs something: resident set size (native too) or Java heap. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** A running sampler; {@link #stop} returns the largest growth over the value at start, in bytes. */
    public static final class Peak {
        private final AtomicLong max = new AtomicLong();
        private final long start;
        private final Thread thread;
        private volatile boolean running = true;

        Peak(java.util.function.LongSupplier sample) {
            this.start = sample.getAsLong();
            max.set(start);
            thread = new Thread(() -> {
                while (running) {
                    max.accumulateAndGet(sample.getAsLong(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "memory-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        public long stop() throws InterruptedException {
            running = false;
            thread.join();
            return Math.max(0, max.get() - start);
        }
    }

    /** Resident set size from /proc/self/status (VmRSS), in bytes. */
    public static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    public static Peak watch() {
        return new Peak(ProcessMemory::rss);
    }

    /**
     * The Java heap that outlives young collections (the old generation's used bytes): what a
     * computation retains, leaving out short-lived garbage, which a young collection frees anyway.
     */
    public static Peak watchHeap() {
        var pools = java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                .filter(p -> p.getName().contains("Old") || p.getName().contains("Tenured"))
                .toList();
        if (pools.isEmpty()) throw new IllegalStateException("no old-generation heap pool");
        return new Peak(() -> pools.stream().mapToLong(p -> p.getUsage().getUsed()).sum());
    }
}
