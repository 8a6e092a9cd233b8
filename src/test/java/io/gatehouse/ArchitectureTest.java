package io.gatehouse;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code, kept: packages depend on each other without cycles (the composition root,
 * {@code io.gatehouse} itself, may use them all), and only {@code io.gatehouse.vertx} reaches into Vert.x's
 * internals, so that a Vert.x upgrade has one place to look.
 */
class ArchitectureTest {

  static JavaClasses main;

  @BeforeAll
  static void importMain() {
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.gatehouse");
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("io.gatehouse.(*)..").should().beFreeOfCycles().check(main);
  }

  @Test
  void onlyTheAdapterPackageUsesVertxInternals() {
    noClasses().that().resideOutsideOfPackage("io.gatehouse.vertx..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx..impl..", "io.vertx..internal..")
        .because("Vert.x internals change between releases: io.gatehouse.vertx is their one door")
        .check(main);
  }
}
