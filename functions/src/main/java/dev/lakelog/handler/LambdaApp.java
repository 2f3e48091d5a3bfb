package dev.lakelog.handler;

import dev.lakelog.Lakelog;
import dev.lakelog.config.LakelogConfig;

/**
 * The one {@link Lakelog} of a warm Lambda container, built from the environment on first use
 * and kept across invocations (DuckDB with extensions loaded and the lake attached).
 */
final class LambdaApp {
    private static volatile Lakelog app;

    private LambdaApp() {}

    static Lakelog get() {
        Lakelog a = app;
        if (a == null) {
            synchronized (LambdaApp.class) {
                a = app;
                if (a == null) app = a = Lakelog.start(LakelogConfig.fromEnvironment());
            }
        }
        return a;
    }
}
