package io.gatehouse.monitoring;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A command-line tool found on PATH (promtool, docker-compose), run to the end with its output kept. */
record ExternalTool(Path executable) {

  /** What one run said. */
  record Run(int exitCode, String output) {}

  /** The tool, or the test skipped with {@code howToGetIt} as the reason. */
  static ExternalTool require(String name, String howToGetIt) {
    Optional<Path> found = onPath(name);
    assumeTrue(found.isPresent(), name + " is not on PATH, so this check is skipped: " + howToGetIt);
    return new ExternalTool(found.get());
  }

  static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Runs the tool in {@code dir} with {@code args}; stdout and stderr together. */
  Run run(Path dir, String... args) {
    List<String> command = new ArrayList<>(List.of(executable.toString()));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes(); // ends when the tool exits
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not finish within 60 s");
      }
      return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }
}
