package dev.lakelog.testing.crac;

/** The CRaC resource interface, shaped like {@code jdk.crac.Resource} (what org.crac's proxies implement). */
public interface Resource {
    void beforeCheckpoint(Context<? extends Resource> context) throws Exception;

    void afterRestore(Context<? extends Resource> context) throws Exception;
}
