package io.gatehouse.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network partition between cluster nodes on this machine, made with iptables: every TCP segment from or to the
 * given Hazelcast ports on loopback is dropped, both ways, as a cut cable between the nodes would drop it, while
 * clients and members still reach every node. Rules are only ever added for those ports, each tagged with
 * {@link #TAG} so that a leftover one can be told apart, and {@link #close} removes them (a shutdown hook too, should
 * the JVM end first).
 */
final class Partition implements AutoCloseable {

  static final String TAG = "gatehouse-partition-test";

  private final List<List<String>> rules = new ArrayList<>();
  private final Thread cleanup = new Thread(this::removeRules, "partition-cleanup");

  private Partition() {}

  /** Why this machine cannot make a partition (no iptables, or not allowed: root or CAP_NET_ADMIN), or null. */
  static String unavailable() {
    try {
      Result r = iptables("-L", "INPUT", "-n");
      return r.code == 0 ? null : "iptables -L INPUT exits " + r.code + ": " + r.output.strip();
    } catch (UncheckedIOException e) {
      return "no iptables here: " + e.getCause().getMessage();
    }
  }

  /** Drops all TCP traffic of {@code ports} on loopback until {@link #close}; fails, adding nothing, if it cannot. */
  static Partition cut(int... ports) {
    Partition p = new Partition();
    Runtime.getRuntime().addShutdownHook(p.cleanup);
    try {
      for (int port : ports) {
        p.add(List.of("-p", "tcp", "-s", "127.0.0.1", "-d", "127.0.0.1", "--dport", String.valueOf(port)));
        p.add(List.of("-p", "tcp", "-s", "127.0.0.1", "-d", "127.0.0.1", "--sport", String.valueOf(port)));
      }
      return p;
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
  }

  private void add(List<String> match) {
    List<String> rule = new ArrayList<>(match);
    rule.addAll(List.of("-m", "comment", "--comment", TAG, "-j", "DROP"));
    List<String> insert = new ArrayList<>(List.of("-I", "INPUT"));
    insert.addAll(rule);
    Result r = iptables(insert.toArray(String[]::new));
    if (r.code != 0) {
      throw new IllegalStateException("iptables " + String.join(" ", insert) + " exits " + r.code + ": " + r.output);
    }
    rules.add(rule);
  }

  /** Heals the partition: removes every rule this partition added. */
  @Override
  public void close() {
    removeRules();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run: the rules are gone either way
    }
  }

  private synchronized void removeRules() {
    List<String> failed = new ArrayList<>();
    for (List<String> rule : rules) {
      List<String> delete = new ArrayList<>(List.of("-D", "INPUT"));
      delete.addAll(rule);
      if (iptables(delete.toArray(String[]::new)).code != 0) {
        failed.add(String.join(" ", rule));
      }
    }
    rules.clear();
    if (!failed.isEmpty()) {
      throw new IllegalStateException("iptables rules not removed, delete them by hand: " + failed);
    }
  }

  private record Result(int code, String output) {}

  private static Result iptables(String... args) {
    List<String> cmd = new ArrayList<>(List.of("iptables", "-w", "5"));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out: " + out);
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
