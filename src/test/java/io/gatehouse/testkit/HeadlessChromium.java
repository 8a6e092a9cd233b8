package io.gatehouse.testkit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's chromium, headless, on pages of the gateway: the DOM after the page's scripts ran, a screenshot, or a
 * value the page computes (a computed style) read through the DevTools protocol. Tests skip where
 * {@link #available()} is false; {@code .ci/run} installs chromium.
 */
public final class HeadlessChromium {

  public static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final Duration RUN_LIMIT = Duration.ofSeconds(60);

  private final Path profile;

  /** @param profile an empty folder for the browser's profile (a JUnit {@code @TempDir}) */
  public HeadlessChromium(Path profile) {
    this.profile = profile;
  }

  public static boolean available() {
    return Files.isExecutable(BINARY);
  }

  /** The DOM of {@code url} once its scripts had 5 s of virtual time (several polls of the dashboard). */
  public String dumpDom(String url) throws IOException, InterruptedException {
    return run("--virtual-time-budget=5000", "--dump-dom", url);
  }

  public void screenshot(String url, Path shot) throws IOException, InterruptedException {
    run("--virtual-time-budget=5000", "--screenshot=" + shot, "--window-size=1100,900", url);
  }

  /**
   * Opens {@code url} and evaluates {@code expression} in it until it gives a non-empty string (the page polls and
   * draws asynchronously), within {@code limit}; returns that string.
   */
  public String awaitValue(String url, String expression, Duration limit) throws Exception {
    try (Page page = open(url)) {
      return page.await(expression, limit);
    }
  }

  /** Opens {@code url} in a browser driven through the DevTools protocol, for steps an operator takes in turn. */
  public Page open(String url) throws Exception {
    Path portFile = profile.resolve("DevToolsActivePort");
    Files.deleteIfExists(portFile); // from an earlier browser on this profile
    Process p = start(List.of("--remote-debugging-port=0", "--remote-allow-origins=*", url));
    try {
      Await.until(RUN_LIMIT, () -> Files.isRegularFile(portFile) && lines(portFile).size() >= 2,
          "chromium wrote no DevToolsActivePort");
      int port = Integer.parseInt(lines(portFile).get(0).trim());
      HttpClient http = HttpClient.newHttpClient();
      String socketUrl = pageSocket(http, port, url);
      Cdp cdp = new Cdp();
      WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(socketUrl), cdp).get(10, TimeUnit.SECONDS);
      return new Page(p, ws, cdp);
    } catch (Exception | AssertionError e) {
      stop(p);
      throw e;
    }
  }

  /** One open page: its scripts keep running between the expressions evaluated in it. */
  public static final class Page implements AutoCloseable {
    private final Process process;
    private final WebSocket ws;
    private final Cdp cdp;

    private Page(Process process, WebSocket ws, Cdp cdp) {
      this.process = process;
      this.ws = ws;
      this.cdp = cdp;
    }

    /** Evaluates {@code expression} until it gives a non-empty string, within {@code limit}; returns it. */
    public String await(String expression, Duration limit) {
      String[] value = {""};
      Await.until(limit, () -> {
        value[0] = cdp.evaluate(ws, expression);
        return !value[0].isEmpty();
      }, () -> "the page never gave a value for: " + expression);
      return value[0];
    }

    @Override
    public void close() throws InterruptedException {
      ws.abort();
      stop(process);
    }
  }

  /** The DevTools socket of the page that shows {@code url}. */
  private static String pageSocket(HttpClient http, int port, String url) {
    String[] found = {null};
    Await.until(RUN_LIMIT, () -> {
      try {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        for (Object o : new JsonArray(body)) {
          JsonObject target = (JsonObject) o;
          if ("page".equals(target.getString("type")) && target.getString("url", "").startsWith(url)) {
            found[0] = target.getString("webSocketDebuggerUrl");
          }
        }
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
      return found[0] != null;
    }, "no page target for " + url);
    return found[0];
  }

  /** One DevTools connection: requests by id, answers matched to them as they come. */
  private static final class Cdp implements WebSocket.Listener {
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final StringBuilder partial = new StringBuilder();

    /** {@code Runtime.evaluate} of {@code expression}: its string value, or "" when it is not a string yet. */
    String evaluate(WebSocket ws, String expression) {
      int id = ids.incrementAndGet();
      CompletableFuture<JsonObject> answer = new CompletableFuture<>();
      pending.put(id, answer);
      ws.sendText(new JsonObject().put("id", id).put("method", "Runtime.evaluate").put("params",
          new JsonObject().put("expression", expression).put("returnByValue", true)).encode(), true);
      try {
        JsonObject result = answer.get(10, TimeUnit.SECONDS).getJsonObject("result", new JsonObject())
            .getJsonObject("result", new JsonObject());
        Object value = result.getValue("value");
        return value instanceof String s ? s : "";
      } catch (Exception e) {
        throw new AssertionError("no DevTools answer to " + expression, e);
      }
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        JsonObject message = new JsonObject(partial.toString());
        partial.setLength(0);
        CompletableFuture<JsonObject> answer = message.containsKey("id") ? pending.remove(message.getInteger("id"))
            : null;
        if (answer != null) {
          answer.complete(message);
        }
      }
      ws.request(1);
      return null;
    }
  }

  private String run(String... args) throws IOException, InterruptedException {
    Path out = profile.resolve("stdout");
    Process p = start(List.of(args), out);
    if (!p.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
      stop(p);
      throw new AssertionError("chromium did not finish within " + RUN_LIMIT.toSeconds() + " s");
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private Process start(List<String> args) throws IOException {
    return start(args, profile.resolve("stdout"));
  }

  private Process start(List<String> args, Path out) throws IOException {
    List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--user-data-dir=" + profile));
    command.addAll(args);
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD)
        .redirectOutput(out.toFile()).start();
  }

  /** Ends the browser this helper started, its child processes first. */
  private static void stop(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      return List.of();
    }
  }
}
