package io.gatehouse.testkit;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Runs a gateway in this JVM from a JSON configuration text, written to a file in a fresh folder (so that
 * reload tests can rewrite it atomically). Fails loudly when the configuration is invalid.
 */
public final class GatewayHarness implements AutoCloseable {

  private final Path configFile;
  private final Gateway gateway;
  private final AccessLogCapture accessLog;

  private GatewayHarness(Path configFile, Gateway gateway, AccessLogCapture accessLog) {
    this.configFile = configFile;
    this.gateway = gateway;
    this.accessLog = accessLog;
  }

  /** Waits for the access log line that contains {@code text} and returns it. */
  public String awaitAccessLog(String text) {
    return accessLog.await(text);
  }

  /** The access log lines so far that contain {@code text}. */
  public java.util.List<String> accessLogLines(String text) {
    return accessLog.matching(text);
  }

  public static GatewayHarness start(String json) {
    try {
      Path dir = Files.createTempDirectory("gatehouse-test");
      Path file = dir.resolve("gatehouse.json");
      Files.writeString(file, json);
      return start(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** From a configuration file in place (its relative certificate paths resolved against its folder). */
  public static GatewayHarness start(Path file) {
    ConfigResult loaded = ConfigParser.load(file);
    if (!loaded.ok()) {
      throw new AssertionError("test configuration refused: " + loaded.errors());
    }
    AccessLogCapture log = new AccessLogCapture();
    Gateway gateway = Sync.await(Gateway.start(loaded, Gateway.Options.standalone(file, log.stream())));
    return new GatewayHarness(file, gateway, log);
  }

  public Gateway gateway() {
    return gateway;
  }

  public Path configFile() {
    return configFile;
  }

  /** The admin API's Prometheus text, now. */
  public String metrics() {
    return admin("/metrics");
  }

  /** The body of an admin API GET (no token). */
  public String admin(String path) {
    return adminCall("GET", path).body();
  }

  /** An admin API call without a body (no token), e.g. {@code POST /api/v1/pools/p/members/127.0.0.1:80/drain}. */
  public java.net.http.HttpResponse<String> adminCall(String method, String path) {
    try {
      return java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
          .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              "http://127.0.0.1:" + gateway.adminPort() + path)).timeout(java.time.Duration.ofSeconds(10))
              .method(method, java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /** The admin API's status document, now. */
  public io.vertx.core.json.JsonObject status() {
    return new io.vertx.core.json.JsonObject(admin("/api/v1/status"));
  }

  /** Replaces the configuration file in one rename, as an operator's editor or deploy tool would. */
  public void rewrite(String json) {
    try {
      Path tmp = configFile.resolveSibling("gatehouse.json.tmp");
      Files.writeString(tmp, json);
      Files.move(tmp, configFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    Sync.await(gateway.stop());
  }
}
