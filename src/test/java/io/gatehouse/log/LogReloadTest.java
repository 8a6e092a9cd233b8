package io.gatehouse.log;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code log.level}, {@code log.format} and {@code log.access_format} switched by reloads of a running gateway:
 * each takes effect from the next line, on a keep-alive connection opened before the first reload (nothing
 * restarts). The application log is read as the gateway writes it to stdout, through a {@link Logs#lines} handler.
 */
class LogReloadTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("web", "HTTP", "HTTP");

  private final ByteArrayOutputStream appLog = new ByteArrayOutputStream();

  @Test
  void aReloadSwitchesLevelAndFormatsInPlace() throws Exception {
    Handler lines = Logs.lines(appLog);
    Logger.getLogger("").addHandler(lines);
    try {
      Member a = gateway.backends().http("a");
      GatewayHarness gw = gateway.start("", "", members(a));
      String text = Files.readString(gw.configFile());
      try (RawHttp raw = new RawHttp(gateway.port())) {
        assertEquals(200, raw.send("GET /before HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        assertTrue(gw.awaitAccessLog("path=/before ").contains(" web HTTP client="));

        reload(gw, withLog(text, "{\"format\":\"json\",\"access_format\":\"json\"}"));
        JsonObject applied = new JsonObject(awaitAppLine("configuration version 2 applied"));
        assertEquals("info", applied.getString("level"));
        assertEquals("runtime.Runtime", applied.getString("logger"));
        assertEquals("configuration version 2 applied", applied.getString("message"));
        assertTrue(applied.getString("time").endsWith("Z"), applied.encode());
        assertEquals(200, raw.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        JsonObject access = new JsonObject(gw.awaitAccessLog("\"path\":\"/after\""));
        assertEquals(200, access.getValue("status"));

        reload(gw, withLog(text, "{\"level\":\"error\"}"));
        assertFalse(Logger.getLogger("io.gatehouse.runtime.Runtime").isLoggable(Level.WARNING));
        reload(gw, withLog(text, "{\"level\":\"debug\"}"));
        String back = awaitAppLine("configuration version 4 applied");
        assertTrue(back.matches("\\S+Z INFO runtime\\.Runtime: configuration version 4 applied"), back);
        assertFalse(appText().contains("configuration version 3 applied"), "at error, an info line is not written");
        assertTrue(Logger.getLogger("io.gatehouse.runtime.Runtime").isLoggable(Level.FINE), "debug is FINE");
        assertEquals(200, raw.send("GET /text-again HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        assertTrue(gw.awaitAccessLog("path=/text-again ").contains(" status=200 "));
      }
      reload(gw, text); // back to the defaults for the tests after this one
    } finally {
      Logger.getLogger("").removeHandler(lines);
      Logs.forget(lines);
    }
  }

  private static String withLog(String config, String log) {
    return config.replace("\"drain_timeout\":1,", "\"drain_timeout\":1,\"log\":" + log + ",");
  }

  /** Rewrites the file and reloads through the admin API, as an operator would. */
  private static void reload(GatewayHarness gw, String config) throws IOException, InterruptedException {
    gw.rewrite(config);
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gw.gateway().adminPort() + "/api/v1/reload"))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"changed\":true"), r.body());
  }

  private String appText() {
    synchronized (appLog) {
      return appLog.toString(StandardCharsets.UTF_8);
    }
  }

  private String awaitAppLine(String text) {
    AtomicReference<String> found = new AtomicReference<>();
    Await.until(Duration.ofSeconds(10), () -> {
      Arrays.stream(appText().split("\n")).filter(l -> l.contains(text)).findFirst().ifPresent(found::set);
      return found.get() != null;
    }, () -> "no application log line with " + text + " in:\n" + appText());
    return found.get();
  }
}
