package io.gatehouse.cluster;

import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.LeakCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code target/gatehouse.jar --cluster} process on loopback, as an operator runs it: the shipped
 * {@code cluster/hazelcast.xml} configured by the environment variables of the README, its own Hazelcast port,
 * stdout in a log file per start.
 */
final class JarNode {

  final String name;
  final int hazelcastPort;
  private final Path dir;
  private int starts;
  private Process process;

  /** A node named {@code name} whose configuration {@code json} is written to {@code dir}. */
  JarNode(Path dir, String name, String json) throws IOException {
    this.dir = dir;
    this.name = name;
    this.hazelcastPort = TestPorts.free();
    Files.writeString(config(), json);
  }

  private Path config() {
    return dir.resolve(name + ".json");
  }

  /** Starts the process in cluster {@code cluster}, joining {@code members} ({@code host:port,...}). */
  void launch(String cluster, String members) throws IOException {
    starts++;
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m"));
    cmd.addAll(LeakCheck.childJvmOptions());
    cmd.addAll(List.of("-jar", Path.of("target/gatehouse.jar").toAbsolutePath().toString(),
        "--config", config().toString(), "--cluster"));
    LeakCheck.childLog(log()); // a LEAK or blocked-thread line in it fails the test
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log().toFile());
    pb.environment().put("GATEHOUSE_CLUSTER_NAME", cluster);
    pb.environment().put("GATEHOUSE_CLUSTER_PORT", String.valueOf(hazelcastPort));
    pb.environment().put("GATEHOUSE_CLUSTER_INTERFACE", "127.0.0.1");
    pb.environment().put("GATEHOUSE_CLUSTER_MEMBERS", members);
    process = pb.start();
  }

  /** The process of the last start, for signals (SIGKILL, SIGSTOP). */
  Process process() {
    return process;
  }

  /** This start's log. */
  Path log() {
    return dir.resolve(name + "." + starts + ".log");
  }

  String logText() {
    try {
      return Files.readString(log());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** How often this start's log holds {@code text}. */
  int count(String text) {
    String log = logText();
    int n = 0;
    for (int i = log.indexOf(text); i >= 0; i = log.indexOf(text, i + 1)) {
      n++;
    }
    return n;
  }

  void awaitLog(String text, Duration limit) {
    awaitLog(text, 1, limit);
  }

  /** Waits until this start's log holds {@code text} at least {@code times} times. */
  void awaitLog(String text, int times, Duration limit) {
    Await.until(limit, () -> count(text) >= times,
        () -> name + " never logged '" + text + "' " + times + " times:\n" + logText());
  }

  /** SIGTERM (drain, leave the cluster, exit), then SIGKILL if it has not ended within 30 s. */
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
