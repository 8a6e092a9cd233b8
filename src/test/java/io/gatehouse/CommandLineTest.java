package io.gatehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.CommandRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's own answers: {@code --version} from the build, {@code --help}, errors on stderr. */
class CommandLineTest {

  @Test
  void versionNamesTheBuildsVersionAndCommit() throws Exception {
    CommandRun run = CommandRun.of("--version");
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(List.of("gatehouse " + pomVersion() + " (" + headCommit() + ")"), run.out(), run::toString);
  }

  @Test
  void helpListsTheOptionsAndExitsZero() {
    CommandRun run = CommandRun.of("--help");
    assertEquals(0, run.exitCode(), run::toString);
    String text = String.join("\n", run.out());
    for (String option : List.of("--config", "--check", "--cluster", "--cluster-config", "--demo", "--version")) {
      assertTrue(text.contains(option), text);
    }
  }

  @Test
  void configErrorsGoToStderrAndNothingElseDoes(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, """
        {"listeners":[],"pools":[{"name":"p","protocol":"TCP","members":[],"health_moniter":{"type":"TCP"}}]}""");
    CommandRun run = CommandRun.of("--check", "--config", bad.toString());
    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(List.of("config error: $.pools[0].health_moniter: unknown field (did you mean health_monitor?)"),
        run.err());
    assertEquals(List.of(), run.out());
  }

  static String pomVersion() throws IOException {
    Matcher m = Pattern.compile("<artifactId>gatehouse</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(Path.of("pom.xml")));
    assertTrue(m.find(), "no version in pom.xml");
    return m.group(1);
  }

  /** What the build recorded: git's HEAD, or "unknown" outside a checkout. */
  static String headCommit() throws IOException, InterruptedException {
    Process git = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").redirectErrorStream(true).start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(git.waitFor(30, TimeUnit.SECONDS));
    return git.exitValue() == 0 ? out : BuildInfo.UNKNOWN;
  }
}
