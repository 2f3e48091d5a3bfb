package dev.lakelog.testing.crac;

/**
 * A CRaC implementation for the tests: org.crac forwards to it ({@code -Dorg.crac.Core.Compat=dev.lakelog.testing.crac},
 * set by the functions module's surefire configuration) the way it forwards to the Lambda runtime's in a SnapStart
 * function. Tests play the runtime: {@code Core.getGlobalContext().beforeCheckpoint(null)} where Lambda takes the
 * snapshot, {@code afterRestore(null)} where an execution environment resumes from it.
 */
public final class Core {
    private static final GlobalContext GLOBAL = new GlobalContext();

    private Core() {}

    public static Context<Resource> getGlobalContext() {
        return GLOBAL;
    }

    /** A checkpoint immediately followed by a restore in the same process (no snapshot is written). */
    public static void checkpointRestore() throws CheckpointException, RestoreException {
        try {
            GLOBAL.beforeCheckpoint(null);
        } finally {
            GLOBAL.afterRestore(null);
        }
    }
}
