package io.gatehouse.runtime;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.http.RequestMetrics;
import io.gatehouse.log.AccessLog;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.Vertx;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer on its own, deployed on a Vert.x instance: every change it makes shows in the view it publishes, and
 * a refused version leaves the published view as it was.
 */
@ExtendWith(VertxExtension.class)
class RuntimeTest {

  @TempDir
  Path dir;

  /** One head for the whole test: a version differs from another only where the test says. */
  static final String HEAD = head();

  static String config(String listeners) {
    return "{" + HEAD + "\"listeners\":[" + listeners + "],"
        + "\"pools\":[{\"name\":\"p\",\"protocol\":\"TCP\",\"members\":[]}]}";
  }

  static String tcp(String name, int port) {
    return "{\"name\":\"" + name + "\",\"protocol\":\"TCP\",\"host\":\"127.0.0.1\",\"protocol_port\":" + port
        + ",\"default_pool\":\"p\"}";
  }

  static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void everyChangeIsPublishedAndARefusedVersionChangesNothing(Vertx vertx, VertxTestContext test) throws Exception {
    Path file = dir.resolve("gatehouse.json");
    int port = TestPorts.free();
    Files.writeString(file, config(tcp("tcp", port)));
    AccessLog log = new AccessLog(new PrintStream(OutputStream.nullOutputStream()), false);
    Runtime runtime = new Runtime(ConfigParser.load(file), file, log, null, RequestMetrics.NONE);
    assertEquals(RuntimeView.Phase.STARTING, runtime.view().phase());
    ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    Checkpoint started = test.checkpoint();
    Checkpoint refused = test.checkpoint();
    Checkpoint drained = test.checkpoint();
    vertx.deployVerticle(runtime)
        .compose(id -> {
          test.verify(() -> {
            RuntimeView view = runtime.view();
            assertEquals(RuntimeView.Phase.READY, view.phase());
            assertEquals(List.of("tcp"), List.copyOf(view.listeners().keySet()));
            assertEquals(List.of("p"), List.copyOf(view.pools().keySet()));
          });
          started.flag();
          write(file, config(tcp("tcp", port) + "," + tcp("second", taken.getLocalPort())));
          return runtime.reload();
        })
        .compose(outcome -> {
          test.verify(() -> {
            assertTrue(outcome.refused());
            assertTrue(outcome.errors().get(0).startsWith("bind error: listener second: "), outcome.toString());
            RuntimeView view = runtime.view();
            assertEquals(1, view.version().number());
            assertEquals(outcome.errors(), view.lastError());
            assertEquals(List.of("tcp"), List.copyOf(view.listeners().keySet()));
            assertEquals(List.of(), view.draining());
          });
          refused.flag();
          write(file, config(tcp("tcp", port)));
          return runtime.reload();
        })
        .compose(unchanged -> {
          test.verify(() -> {
            assertEquals(1, unchanged.version());
            assertNull(runtime.view().lastError(), "a good version clears the last error");
          });
          return runtime.drain();
        })
        .onComplete(test.succeeding(v -> test.verify(() -> {
          assertEquals(RuntimeView.Phase.DRAINING, runtime.view().phase());
          drained.flag();
        })));
    assertTrue(test.awaitCompletion(20, TimeUnit.SECONDS));
    taken.close();
    log.close();
  }
}
