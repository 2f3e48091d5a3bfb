package dev.lakelog.rollup;

import dev.lakelog.Lakelog;
import java.util.Map;

/** Public door to {@link RollupTesting#another} for tests in other packages. */
public final class RollupTestingAccess {
    private RollupTestingAccess() {}

    public static Lakelog another(Map<String, String> env) {
        return RollupTesting.another(env);
    }
}
