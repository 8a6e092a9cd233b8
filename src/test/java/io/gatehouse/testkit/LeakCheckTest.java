package io.gatehouse.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link LeakCheckExtension} and {@link LeakCheckHook} at work: fixture classes that leak a buffer, block an event
 * loop, or have a gateway process log a leak, run by the JUnit Platform's EngineTestKit, fail as they should - and
 * one that does neither passes. The fixtures are static nested classes, which neither Surefire (it excludes
 * {@code *$*}) nor the engines (they only nest {@code @Nested} and {@code @Group} classes) run on their own; and
 * they skip themselves unless run from here.
 */
class LeakCheckTest {

  /** Set while this class runs its fixtures. */
  private static volatile boolean runningFixtures;

  @Test
  void aBufferLeakedInATestFailsItsClassOnceCollected() {
    EngineExecutionResults results = runJupiter(LeakingTest.class);
    // the test itself passes: the buffer is collected, and reported, only after it
    results.testEvents().assertStatistics(s -> s.succeeded(1).failed(0));
    String failure = onlyFailure(results.containerEvents(), LeakingTest.class);
    assertTrue(failure.contains("LEAK: ByteBuf.release() was not called"), failure);
    assertTrue(failure.contains(LeakingTest.class.getName() + ".leaksABuffer"), "where it was allocated: " + failure);
  }

  @Test
  void anEventLoopBlockedPastTheLimitFailsTheTest() {
    EngineExecutionResults results = runJupiter(BlockingTest.class);
    results.testEvents().assertStatistics(s -> s.failed(1));
    String failure = onlyFailure(results.testEvents(), BlockingTest.class);
    assertTrue(failure.contains("has been blocked for"), failure);
    assertTrue(failure.contains("during this test"), failure);
    assertEquals(List.of(), results.containerEvents().failed().list(), "the class is clean once the test failed");
  }

  @Test
  void aLeakInAGatewayProcessLogFailsTheTest() {
    EngineExecutionResults results = runJupiter(ChildLeakingTest.class);
    results.testEvents().assertStatistics(s -> s.failed(1));
    String failure = onlyFailure(results.testEvents(), ChildLeakingTest.class);
    assertTrue(failure.contains("gateway log"), failure);
    assertTrue(failure.contains("LEAK: ByteBuf.release() was not called"), failure);
    assertTrue(failure.contains("Created at:"), "the report's further lines: " + failure);
    assertTrue(!failure.contains("gatehouse ready"), "not the next record: " + failure);
    assertTrue(!failure.contains("has been blocked"), "a process's blocked-thread warning does not count: " + failure);
  }

  @Test
  void aBufferLeakedInAJqwikPropertyFailsItsClass() {
    EngineExecutionResults results = run(EngineTestKit.engine("jqwik"), LeakingProperties.class);
    String failure = onlyFailure(results.containerEvents(), LeakingProperties.class);
    assertTrue(failure.contains("LEAK: ByteBuf.release() was not called"), failure);
    assertTrue(failure.contains(LeakingProperties.class.getName() + ".leaksABuffer"), failure);
  }

  @Test
  void theGrpcTestLibrarysOwnShadedNettyIsNotTheGateway() {
    LeakCheck.drain(); // what came before is not this test's
    java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector")
        .severe("LEAK: ByteBuf.release() was not called before it's garbage-collected.");
    assertEquals(List.of(), LeakCheck.drain());
    java.util.logging.Logger.getLogger("io.netty.util.ResourceLeakDetector")
        .severe("LEAK: ByteBuf.release() was not called before it's garbage-collected.");
    assertEquals(1, LeakCheck.drain().size(), "the gateway's Netty still counts");
  }

  @Test
  void aClassThatReleasesItsBuffersAndYieldsItsEventLoopPasses() {
    EngineExecutionResults results = runJupiter(CleanTest.class);
    results.testEvents().assertStatistics(s -> s.succeeded(1).failed(0));
    assertEquals(List.of(), results.containerEvents().failed().list());
  }

  private static EngineExecutionResults runJupiter(Class<?> fixture) {
    return run(EngineTestKit.engine("junit-jupiter")
        .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true"), fixture);
  }

  private static EngineExecutionResults run(EngineTestKit.Builder engine, Class<?> fixture) {
    // the fixtures' reports are meant: kept off the console, where they would read like real ones
    Map<Handler, Level> consoles = new HashMap<>();
    for (Handler h : Logger.getLogger("").getHandlers()) {
      if (h instanceof ConsoleHandler) {
        consoles.put(h, h.getLevel());
        h.setLevel(Level.OFF);
      }
    }
    runningFixtures = true;
    try {
      return engine.selectors(selectClass(fixture)).execute();
    } finally {
      runningFixtures = false;
      consoles.forEach(Handler::setLevel);
    }
  }

  /**
   * The message of the one failed event of {@code events} in {@code fixture} (the class or its test; jqwik also
   * fails its engine container then).
   */
  private static String onlyFailure(Events events, Class<?> fixture) {
    List<Event> failed = events.failed().filter(e -> e.getTestDescriptor().getUniqueId().toString()
        .contains(fixture.getName())).toList();
    assertEquals(1, failed.size(), () -> "one failure expected: " + events.list());
    Event event = failed.get(0);
    Throwable t = event.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    assertTrue(t instanceof AssertionError, () -> "an assertion failure, not " + t);
    return t.getMessage();
  }

  /** Runs the fixtures only from this class: skipped if an engine or Surefire ever picks them on their own. */
  static final class FixtureOnly implements ExecutionCondition, SkipExecutionHook {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return runningFixtures ? ConditionEvaluationResult.enabled("run by LeakCheckTest")
          : ConditionEvaluationResult.disabled("a LeakCheckTest fixture");
    }

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
      return runningFixtures ? SkipResult.doNotSkip() : SkipResult.skip("a LeakCheckTest fixture");
    }
  }

  /** Allocates with every allocation tracked, whatever the JVM was started with. */
  static ByteBuf paranoidBuffer() {
    ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    try {
      return ByteBufAllocator.DEFAULT.directBuffer(16);
    } finally {
      ResourceLeakDetector.setLevel(level);
    }
  }

  @ExtendWith(FixtureOnly.class)
  static class LeakingTest {
    @Test
    void leaksABuffer() {
      paranoidBuffer().writeInt(42); // and dropped without release()
    }
  }

  @ExtendWith(FixtureOnly.class)
  static class BlockingTest {
    @Test
    void blocksAnEventLoop() throws InterruptedException {
      Vertx vertx = Vertx.vertx(new VertxOptions()
          .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
          .setMaxEventLoopExecuteTime(50).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
      CountDownLatch warned = new CountDownLatch(1);
      try (LogCapture log = LogCapture.start()) {
        // blocks the event loop until the checker has complained (the await below bounds that)
        vertx.runOnContext(v -> {
          try {
            warned.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        log.await("has been blocked for");
      } finally {
        warned.countDown();
        Sync.await(vertx.close());
      }
    }
  }

  @ExtendWith(FixtureOnly.class)
  static class ChildLeakingTest {
    @TempDir
    Path dir;

    @Test
    void aGatewayProcessLogsALeak() throws IOException {
      Path log = dir.resolve("gw.log");
      LeakCheck.childLog(log);
      // what the packaged gateway prints (Logs.OneLine): a blocked-thread warning at start-up, which does not
      // count, and a leak report, followed by another record
      Files.writeString(log, """
          2026-01-01T00:00:00.000Z WARNING io.vertx.core.impl.BlockedThreadChecker: Thread vert.x-eventloop-thread-0 \
          has been blocked for 2990 ms, time limit is 2000 ms
          2026-01-01T00:00:00.500Z INFO runtime.Gateway: gatehouse ready
          2026-01-01T00:00:01.000Z SEVERE io.netty.util.ResourceLeakDetector: LEAK: ByteBuf.release() was not \
          called before it's garbage-collected. See https://netty.io/wiki/reference-counted-objects.html for more \
          information.
          Recent access records:\s
          Created at:
          \tio.netty.buffer.AbstractByteBufAllocator.directBuffer(AbstractByteBufAllocator.java:188)
          2026-01-01T00:00:02.000Z INFO runtime.Gateway: gatehouse ready
          """);
    }
  }

  @AddLifecycleHook(FixtureOnly.class)
  static class LeakingProperties {
    @Property(tries = 1)
    void leaksABuffer() {
      paranoidBuffer().writeInt(42); // and dropped without release()
    }
  }

  @ExtendWith(FixtureOnly.class)
  static class CleanTest {
    @Test
    void releasesAndYields() {
      Vertx vertx = Vertx.vertx(new VertxOptions()
          .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
          .setMaxEventLoopExecuteTime(500).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
      try {
        ByteBuf buf = paranoidBuffer().writeInt(42);
        Promise<Integer> read = Promise.promise();
        vertx.runOnContext(v -> read.complete(buf.readInt()));
        assertEquals(42, Sync.await(read.future()));
        assertTrue(buf.release());
      } finally {
        Sync.await(vertx.close());
      }
    }
  }
}
