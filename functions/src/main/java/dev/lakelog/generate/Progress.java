package dev.lakelog.generate;

import java.io.PrintStream;

/**
 * A progress bar on a terminal ({@code [#####.....]  52%  26000/50000 events  8400/s}), redrawn in
 * place at most ten times a second; when the stream is not a terminal, one line every 10 %.
 */
public final class Progress {
    private final PrintStream out;
    private final long total;
    private final String unit;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private long lastDraw;
    private int lastDecile = -1;

    public Progress(PrintStream out, long total, String unit, boolean terminal) {
        this.out = out;
        this.total = total;
        this.unit = unit;
        this.terminal = terminal;
    }

    public void update(long done) {
        long now = System.nanoTime();
        int decile = total == 0 ? 10 : (int) (done * 10 / total);
        if (terminal) {
            if (now - lastDraw < 100_000_000L && done < total) return;
            lastDraw = now;
            out.print("\r" + line(done, now));
            out.flush();
        } else if (decile != lastDecile) {
            lastDecile = decile;
            out.println(line(done, now));
        }
    }

    public void finish(long done) {
        if (terminal) {
            out.print("\r" + line(done, System.nanoTime()) + "\n");
        } else if (lastDecile != 10) {
            out.println(line(done, System.nanoTime()));
        }
        out.flush();
    }

    String line(long done, long now) {
        int width = 30;
        int filled = total == 0 ? width : (int) Math.min(width, done * width / total);
        double secs = Math.max(1e-3, (now - started) / 1e9);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] "
                + String.format("%3d%%  %d/%d %s  %.0f/s", total == 0 ? 100 : done * 100 / total, done, total, unit, done / secs);
    }
}
