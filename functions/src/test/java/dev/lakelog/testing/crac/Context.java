package dev.lakelog.testing.crac;

/** A CRaC context, shaped like {@code jdk.crac.Context}: itself a resource, notifying the ones registered with it. */
public abstract class Context<R extends Resource> implements Resource {
    protected Context() {}

    public abstract void register(R resource);
}
