package dev.lakelog.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakelog.testing.LakelogFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/openapi.yaml lists exactly the routes the app registers: every registered method + path
 * regex is matched by some operation of the spec, and every operation of the spec hits a
 * registered route. Reads the spec as text (no YAML library on the classpath): path keys are the
 * lines {@code "  /v1/...:"} under {@code paths:}, operations the lines {@code "    get:"} etc.
 * under them; path templates such as {@code {id}} are replaced by a sample value.
 */
class OpenApiCoversRoutesTest {
    private static final Path SPEC = Path.of("..", "docs", "openapi.yaml");
    private static final Pattern PATH_LINE = Pattern.compile("^  (/(?:v1/\\S*|healthz|readyz|metrics)):\\s*$");
    private static final Pattern METHOD_LINE = Pattern.compile("^    (get|put|post|delete|patch|head|options|trace):\\s*$");

    /** {@code "METHOD /path/with/{templates}"} of every operation in the spec. */
    static List<String> specOperations(List<String> lines) {
        List<String> ops = new ArrayList<>();
        boolean inPaths = false;
        String path = null;
        for (String line : lines) {
            if (line.equals("paths:")) {
                inPaths = true;
                continue;
            }
            if (!inPaths) continue;
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#")) break; // next top-level key
            Matcher p = PATH_LINE.matcher(line);
            if (p.matches()) {
                path = p.group(1);
                continue;
            }
            Matcher m = METHOD_LINE.matcher(line);
            if (m.matches() && path != null) ops.add(m.group(1).toUpperCase(Locale.ROOT) + " " + path);
        }
        return ops;
    }

    private static String sample(String templatedPath) {
        return templatedPath.replaceAll("\\{[^}/]+}", "1");
    }

    private static boolean matches(String route, String operation) {
        String[] r = route.split(" ", 2);
        String[] o = operation.split(" ", 2);
        return r[0].equals(o[0]) && Pattern.compile(r[1]).matcher(sample(o[1])).matches();
    }

    @Test
    void the_spec_lists_exactly_the_registered_routes() throws IOException {
        List<String> ops = specOperations(Files.readAllLines(SPEC));
        List<String> routes;
        try (LakelogFixture fx = LakelogFixture.local()) {
            routes = fx.app().router().routes();
        }
        assertThat(routes).as("registered routes").isNotEmpty();
        assertThat(ops).as("operations in " + SPEC).doesNotHaveDuplicates().isNotEmpty();

        List<String> undocumented = routes.stream().filter(r -> ops.stream().noneMatch(o -> matches(r, o))).toList();
        List<String> unregistered = ops.stream().filter(o -> routes.stream().noneMatch(r -> matches(r, o))).toList();
        assertThat(undocumented).as("routes registered but missing from " + SPEC).isEmpty();
        assertThat(unregistered).as("operations in " + SPEC + " that no registered route serves").isEmpty();
        assertThat(ops).as("one operation per registered route").hasSameSizeAs(routes);
    }

    @Test
    void the_line_scan_reads_paths_methods_and_stops_at_components() {
        List<String> lines = List.of(
                "openapi: 3.0.3",
                "paths:",
                "  /v1/a/{id}:",
                "    get:",
                "      parameters:",
                "        - name: id",
                "    post:",
                "  /v1/b:",
                "    delete:",
                "components:",
                "  /v1/c:",
                "    get:");
        assertThat(specOperations(lines)).containsExactly("GET /v1/a/{id}", "POST /v1/a/{id}", "DELETE /v1/b");
        assertThat(matches("GET /v1/a/([^/]+)", "GET /v1/a/{id}")).isTrue();
        assertThat(matches("POST /v1/a/([^/]+)", "GET /v1/a/{id}")).isFalse();
    }
}
