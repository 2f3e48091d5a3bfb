package dev.lakelog.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The import rules of docs/architecture.md, checked over the compiled main classes:
 * <ol>
 *   <li>a capability package (ingest, rollup, query, maintenance) never imports another one;
 *   <li>the ground floor (api, config, log, segment, storage, lake, auth, idempotency, backend, throttle)
 *       imports nothing above it: no capability, no adapter;
 *   <li>no two packages import each other, directly or around a cycle;
 *   <li>the AWS SDK and the Lambda types are imported only in {@code aws} and {@code handler};
 *   <li>the two backends ({@code aws}, {@code local}) do not know each other.
 * </ol>
 */
class ArchitectureTest {
    static final String ROOT = "dev.lakelog";
    static final List<String> CAPABILITIES = List.of("ingest", "rollup", "query", "maintenance", "integrity", "telemetry");
    static final List<String> GROUND = List.of("api", "config", "log", "metrics", "segment", "storage", "lake", "auth", "idempotency", "backend", "throttle", "queue");
    static final List<String> ADAPTERS = List.of("aws", "local", "handler", "cli");

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);
    }

    private static String pkg(String name) {
        return ROOT + "." + name + "..";
    }

    private static String[] pkgs(List<String> names) {
        return names.stream().map(ArchitectureTest::pkg).toArray(String[]::new);
    }

    @Test
    void no_capability_package_imports_another_capability_package() {
        for (String c : CAPABILITIES) {
            List<String> others = CAPABILITIES.stream().filter(o -> !o.equals(c)).toList();
            noClasses().that().resideInAPackage(pkg(c))
                    .should().dependOnClassesThat().resideInAnyPackage(pkgs(others))
                    .because("capabilities meet only through the ground floor (docs/architecture.md)")
                    .check(classes);
        }
    }

    @Test
    void the_ground_floor_imports_no_capability_and_no_adapter() {
        noClasses().that().resideInAnyPackage(pkgs(GROUND))
                .should().dependOnClassesThat().resideInAnyPackage(pkgs(CAPABILITIES))
                .orShould().dependOnClassesThat().resideInAnyPackage(pkgs(ADAPTERS))
                .orShould().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".Lakelog")
                .because("the ground floor is what everything else stands on (docs/architecture.md)")
                .check(classes);
    }

    @Test
    void the_event_generator_imports_no_capability_and_no_adapter() {
        noClasses().that().resideInAPackage(pkg("generate"))
                .should().dependOnClassesThat().resideInAnyPackage(pkgs(CAPABILITIES))
                .orShould().dependOnClassesThat().resideInAnyPackage(pkgs(ADAPTERS))
                .because("the generator is a client of the API (docs/generator.md), not part of the lake")
                .check(classes);
    }

    @Test
    void no_package_cycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void the_aws_sdk_and_lambda_types_are_imported_only_in_aws_and_handler() {
        noClasses().that().resideOutsideOfPackages(pkg("aws"), pkg("handler"))
                .should().dependOnClassesThat().resideInAnyPackage("software.amazon.awssdk..", "com.amazonaws..")
                .because("the AWS SDK lives behind the aws backend, Lambda types behind the handlers")
                .check(classes);
    }

    @Test
    void the_two_backends_do_not_know_each_other() {
        noClasses().that().resideInAPackage(pkg("aws")).should().dependOnClassesThat().resideInAPackage(pkg("local")).check(classes);
        noClasses().that().resideInAPackage(pkg("local")).should().dependOnClassesThat().resideInAPackage(pkg("aws")).check(classes);
    }
}
