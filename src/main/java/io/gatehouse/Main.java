package io.gatehouse;

import io.gatehouse.cluster.ClusterBootstrap;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.demo.DemoTraffic;
import io.gatehouse.log.Logs;
import io.gatehouse.runtime.HeapTrim;
import io.gatehouse.tls.EngineWarnings;
import io.gatehouse.vertx.VertxTransports;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** The command line of the contract: {@code --config FILE [--cluster] [--cluster-config FILE] [--check]}. */
@Command(name = "gatehouse", mixinStandardHelpOptions = true, versionProvider = BuildInfo.Provider.class,
    description = "Load-balancing gateway: TCP, UDP, SSL, HTTP and HTTPS listeners.")
public final class Main implements java.util.concurrent.Callable<Integer> {

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "JSON configuration file")
  Path config;

  @Option(names = "--check", description = "validate the configuration, print every problem, exit 0 or 1")
  boolean check;

  @Option(names = "--cluster", description = "join the Hazelcast cluster (same as cluster.enabled: true)")
  boolean cluster;

  @Option(names = "--cluster-config", paramLabel = "FILE", defaultValue = "cluster/hazelcast.xml",
      description = "Hazelcast XML or YAML file (default: ${DEFAULT-VALUE})")
  Path clusterConfig;

  @Option(names = "--demo", description = "also start the demo members on 127.0.0.1 that conf/gatehouse.json uses")
  boolean demo;

  public static void main(String[] args) {
    VertxTransports.oneShotPolls(); // before the demo's members or anything else loads Netty's io_uring classes
    Logs.toStdout();
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0 || !runningGateway) {
      System.exit(code);
    }
  }

  /** Set once a gateway serves: the JVM then lives until a signal ends it. */
  private static volatile boolean runningGateway;

  @Override
  public Integer call() throws InterruptedException {
    PrintStream out = System.out;
    ConfigResult result = ConfigParser.load(config);
    result.warnings().forEach(out::println);
    if (!result.ok()) {
      result.errors().forEach(System.err::println); // the contract's config error: lines go to stderr
      return 1;
    }
    GatehouseConfig cfg = result.config();
    EngineWarnings.of(cfg).forEach(out::println);
    if (check) {
      // the cluster part as a start would see it: the Hazelcast file and GATEHOUSE_CLUSTER_* resolved
      List<String> clusterErrors = cluster || cfg.cluster().enabled()
          ? ClusterBootstrap.check(clusterConfig, cfg.cluster()) : List.of();
      if (!clusterErrors.isEmpty()) {
        clusterErrors.forEach(System.err::println);
        return 1;
      }
      out.println("configuration ok: " + cfg.listeners().size() + " listeners, " + cfg.pools().size() + " pools");
      return 0;
    }
    Gateway.Options options = new Gateway.Options(config, cluster || cfg.cluster().enabled(), clusterConfig, demo, out);
    HeapTrim.apply();
    CompletableFuture<Gateway> started = new CompletableFuture<>();
    stopOnSignal(started, cfg.drainTimeout());
    try {
      started.complete(Gateway.start(result, options).toCompletionStage().toCompletableFuture().get());
    } catch (java.util.concurrent.ExecutionException e) {
      System.err.println(e.getCause().getMessage()); // bind error:, cluster error: or config error:
      return 1;
    }
    runningGateway = true;
    Logger.getLogger(Main.class.getName()).info("gatehouse ready: " + cfg.listeners().size() + " listeners");
    if (demo) {
      DemoTraffic.show(started.join().vertx(), cfg);
    }
    return 0;
  }

  /**
   * SIGTERM and SIGINT drain the gateway and exit 0. A JVM shutdown hook would exit 143 on SIGTERM, and the
   * contract wants 0 after a clean drain, so the signal is handled directly.
   */
  private static void stopOnSignal(CompletableFuture<Gateway> started, Duration drainTimeout) {
    AtomicBoolean once = new AtomicBoolean();
    sun.misc.SignalHandler stop = sig -> {
      if (!once.compareAndSet(false, true)) {
        return;
      }
      Logger.getLogger(Main.class.getName()).info("SIG" + sig.getName() + ": draining, then stopping");
      // a signal during start-up stops the gateway as soon as it has started
      Thread t = new Thread(() -> {
        try {
          started.thenCompose(g -> g.stop().toCompletionStage())
              .toCompletableFuture().get(drainTimeout.toMillis() + 30_000, TimeUnit.MILLISECONDS);
          Runtime.getRuntime().halt(0);
        } catch (Exception e) {
          Logger.getLogger(Main.class.getName()).warning("stop did not finish cleanly: " + e);
          Runtime.getRuntime().halt(1);
        }
      }, "gatehouse-stop");
      t.start();
    };
    Signal.handle(new Signal("TERM"), stop);
    Signal.handle(new Signal("INT"), stop);
  }
}
