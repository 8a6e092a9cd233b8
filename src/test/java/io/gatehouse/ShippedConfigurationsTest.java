package io.gatehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.gatehouse.testkit.CommandRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every configuration the repository ships (conf/, cluster/, examples/, bench/) passes {@code --check}: an unknown field
 * is an error now, so a file that drifted from the parser would stop the gateway it was meant to start.
 */
class ShippedConfigurationsTest {
  static final List<Path> FOLDERS =
      List.of(Path.of("conf"), Path.of("cluster"), Path.of("examples"), Path.of("bench"));
  /** What a benchmark run leaves (reports, not configurations; ignored by git). */
  private static final Path BENCH_RESULTS = Path.of("bench", "results");
  /** Grafana's dashboards (checked by the monitoring tests, not gateway configurations). */
  private static final Path GRAFANA = Path.of("cluster", "grafana");

  static List<Path> shipped() throws IOException {
    List<Path> files = new java.util.ArrayList<>();
    for (Path folder : FOLDERS) {
      if (Files.isDirectory(folder)) {
        try (Stream<Path> walk = Files.walk(folder)) {
          walk.filter(p -> p.toString().endsWith(".json") && !p.startsWith(BENCH_RESULTS)
              && !p.startsWith(GRAFANA)).sorted()
              .forEach(files::add);
        }
      }
    }
    return files;
  }

  @TestFactory
  Stream<DynamicTest> everyShippedConfigurationPassesCheck() throws IOException {
    List<Path> files = shipped();
    assertFalse(files.isEmpty(), "no configuration found under " + FOLDERS);
    return files.stream().map(file -> DynamicTest.dynamicTest(file.toString(), () -> {
      CommandRun run = CommandRun.of("--check", "--config", file.toString());
      assertEquals(0, run.exitCode(), run::toString);
    }));
  }
}
