package io.gatehouse.cluster;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.Gateway;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Clustered gateways in this JVM, each with its own clustered Vert.x, joined over TCP-IP on 127.0.0.1 with
 * ports of their own and a cluster name unique to the test class. Each node's Hazelcast file is the shipped
 * {@code cluster/hazelcast.xml} with its placeholders filled in.
 */
public final class ClusterNodes implements AutoCloseable {

  private final String clusterName = "gatehouse-test-" + UUID.randomUUID();
  private final List<Integer> ports = new ArrayList<>();
  private final List<Gateway> started = new CopyOnWriteArrayList<>();
  /** Each started node's configuration file, for reloads. */
  private final java.util.Map<Gateway, Path> files = new java.util.concurrent.ConcurrentHashMap<>();
  private final Path template;

  /** Reserves {@code n} Hazelcast ports: the member list every node gets. */
  public ClusterNodes(int n) {
    this(n, Path.of("cluster/hazelcast.xml"));
  }

  /** The same, with another Hazelcast file holding the shipped file's placeholders. */
  ClusterNodes(int n, Path template) {
    this.template = template;
    for (int i = 0; i < n; i++) {
      ports.add(TestPorts.free());
    }
  }

  /** The cluster name every node of this set joins with. */
  String clusterName() {
    return clusterName;
  }

  /** The Hazelcast port reserved for node {@code index}. */
  int port(int index) {
    return ports.get(index);
  }

  /** Starts node {@code index} (0-based) from the gateway configuration {@code json}. */
  public Gateway start(int index, String json) {
    return Sync.await(begin("127.0.0.1", ports.get(index), json), Duration.ofSeconds(60));
  }

  /**
   * Starts a node at {@code host:port} (e.g. a loopback alias such as 127.0.0.2, an address the member list does
   * not name) with the same member list; the future fails when the gateway does not start.
   */
  Future<Gateway> begin(String host, int port, String json) {
    try {
      Path dir = Files.createTempDirectory("gatehouse-cluster");
      Path file = dir.resolve("gatehouse.json");
      Files.writeString(file, json);
      Path hz = dir.resolve("hazelcast.xml");
      String members = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
      Files.writeString(hz, Files.readString(template)
          .replace("${gatehouse.cluster.name}", clusterName)
          .replace("${gatehouse.cluster.port}", String.valueOf(port))
          .replace("${gatehouse.cluster.interface}", host)
          .replace("${gatehouse.cluster.members}", members)
          // a loopback alias is no interface address Java lists: name it as this member's address outright
          .replace("<properties>", "<properties><property name=\"hazelcast.local.localAddress\">" + host
              + "</property>"));
      ConfigResult loaded = ConfigParser.load(file);
      if (!loaded.ok()) {
        throw new AssertionError("test configuration refused: " + loaded.errors());
      }
      return Gateway.start(loaded,
          new Gateway.Options(file, true, hz, false, new PrintStream(OutputStream.nullOutputStream())))
          .onSuccess(g -> {
            files.put(g, file);
            started.add(g);
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code json} as node {@code g}'s configuration and reloads it; the reload's outcome. */
  public io.gatehouse.runtime.ReloadOutcome reload(Gateway g, String json) {
    try {
      Files.writeString(files.get(g), json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Sync.await(g.runtime().reload(), Duration.ofSeconds(30));
  }

  /** Stops one node as SIGTERM would: drain, leave the cluster, close. */
  void stop(Gateway g) {
    started.remove(g);
    Sync.await(g.stop(), Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    for (Gateway g : new ArrayList<>(started)) {
      stop(g);
    }
  }
}
