package io.gatehouse.testkit;

import io.gatehouse.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/**
 * The gatehouse command line run in-process (what {@code java -jar gatehouse.jar ARGS} does before a gateway
 * starts: {@code --check}, {@code --version}, {@code --help}), with its exit code and its stdout and stderr lines.
 */
public record CommandRun(int exitCode, List<String> out, List<String> err) {

  public static CommandRun of(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = new CommandLine(new Main()).execute(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    return new CommandRun(code, out.toString(StandardCharsets.UTF_8).lines().toList(),
        err.toString(StandardCharsets.UTF_8).lines().toList());
  }
}
