package io.gatehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/gatehouse} as the quick start and the container use it: it finds target/gatehouse.jar, applies the
 * recommended JVM options, lets JAVA_OPTS override them, and reads GATEHOUSE_CONFIG when no --config is given.
 */
class LauncherIT {

  /** The launcher's output (stdout and stderr) and exit code. */
  private record Run(int code, String out) {}

  private static Run launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of("bin/gatehouse").toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeAll(List.of("JAVA_OPTS", "GATEHOUSE_JAR", "GATEHOUSE_CONFIG", "JDK_JAVA_OPTIONS"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JVM that runs the tests
    pb.environment().putAll(env);
    pb.directory(Path.of("/").toFile()); // the jar is found from the script's own place, not the working folder
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(GatehouseJarIT.exitCode(p, Duration.ofSeconds(60)), out);
  }

  @Test
  void appliesTheRecommendedOptionsAndFindsTheJar() throws Exception {
    Run run = launch(Map.of("JAVA_OPTS", "-XX:+PrintCommandLineFlags"), "--version");
    assertEquals(0, run.code(), run.out());
    assertTrue(run.out().contains("-XX:+UseParallelGC"), run.out());
    assertTrue(run.out().contains("-XX:InitialHeapSize=67108864"), run.out());
    assertTrue(run.out().contains("-XX:TrimNativeHeapInterval=10000"), run.out()); // the tests' JVM is 17.0.9+
    assertTrue(run.out().lines().anyMatch(l -> l.matches("gatehouse \\S+ \\(\\S+\\)")), run.out());
  }

  @Test
  void javaOptsOverrideTheDefaultsCollectorIncluded() throws Exception {
    Run run = launch(Map.of("JAVA_OPTS",
        "-XX:+UseSerialGC -Xms32m -XX:TrimNativeHeapInterval=0 -XX:+PrintCommandLineFlags"), "--version");
    assertEquals(0, run.code(), run.out());
    assertTrue(run.out().contains("-XX:+UseSerialGC"), run.out());
    assertFalse(run.out().contains("-XX:+UseParallelGC"), run.out());
    assertTrue(run.out().contains("-XX:InitialHeapSize=33554432"), run.out());
    assertTrue(run.out().contains("-XX:TrimNativeHeapInterval=0 "), run.out());
  }

  @Test
  void gatehouseConfigNamesTheConfigurationWhenTheArgumentsDoNot() throws Exception {
    Path container = Path.of("conf/container.json").toAbsolutePath();
    Run run = launch(Map.of("GATEHOUSE_CONFIG", container.toString()), "--check");
    assertEquals(0, run.code(), run.out());
    assertTrue(run.out().contains("configuration ok: 3 listeners, 3 pools"), run.out());
    // --config given: GATEHOUSE_CONFIG is not added (picocli would refuse a second --config)
    Run given = launch(Map.of("GATEHOUSE_CONFIG", "/nonexistent.json"), "--check", "--config", container.toString());
    assertEquals(0, given.code(), given.out());
  }
}
