package io.gatehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.TlsClients;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples as a user runs them: each folder's configuration passes {@code --check} (ShippedConfigurationsTest),
 * and the HTTPS one, with only its ports and members moved onto this machine, redirects HTTP to HTTPS and keeps a
 * client on one of three members by its cookie.
 */
class ExamplesTest {
  private static final Path EXAMPLES = Path.of("examples");

  @Test
  void everyExampleHasAConfigurationAndAReadme() throws IOException {
    try (Stream<Path> folders = Files.list(EXAMPLES)) {
      List<Path> all = folders.filter(Files::isDirectory).sorted().toList();
      assertEquals(List.of("cluster", "host-path-routing", "https-sticky", "tcp-database", "udp-dns"),
          all.stream().map(p -> p.getFileName().toString()).toList());
      for (Path folder : all) {
        assertTrue(Files.isRegularFile(folder.resolve("README.md")), folder + " has no README.md");
        try (Stream<Path> files = Files.list(folder)) {
          assertTrue(files.anyMatch(f -> f.toString().endsWith(".json")), folder + " has no configuration");
        }
      }
    }
  }

  @Test
  void theHttpsExampleRedirectsToHttpsAndKeepsAClientOnItsMember(@TempDir Path dir) throws Exception {
    Path example = copy(EXAMPLES.resolve("https-sticky"), dir);
    int http = TestPorts.free();
    int https = TestPorts.free();
    try (Backends backends = new Backends()) {
      List<Backends.Member> members = List.of(backends.http("a"), backends.http("b"), backends.http("c"));
      JsonObject config = new JsonObject(Files.readString(example.resolve("gatehouse.json")));
      config.getJsonObject("admin").put("port", TestPorts.free());
      config.put("drain_timeout", 1); // the client's idle keep-alive connections would hold the close
      Map<String, Integer> ports = Map.of("http", http, "https", https);
      config.getJsonArray("listeners").forEach(o -> ((JsonObject) o).put("host", "127.0.0.1")
          .put("protocol_port", ports.get(((JsonObject) o).getString("name"))));
      JsonArray local = new JsonArray();
      members.forEach(m -> local.add(new JsonObject().put("address", "127.0.0.1").put("protocol_port", m.port())));
      config.getJsonArray("pools").getJsonObject(0).put("members", local);
      Files.writeString(example.resolve("gatehouse.json"), config.encodePrettily());

      try (GatewayHarness gw = GatewayHarness.start(example.resolve("gatehouse.json"))) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .sslContext(TlsClients.context(example.resolve("certs/example-cert.pem"), null, null))
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> redirect = client.send(get("http://127.0.0.1:" + http + "/shop/cart?id=7", null),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(301, redirect.statusCode());
        assertEquals("https://127.0.0.1:" + https + "/shop/cart?id=7",
            redirect.headers().firstValue("location").orElse(null));

        HttpResponse<String> first = client.send(get("https://127.0.0.1:" + https + "/", null),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, first.statusCode(), first.body());
        String member = first.body().lines().findFirst().orElse("");
        assertTrue(member.startsWith("member="), first.body());
        String cookie = first.headers().firstValue("set-cookie").orElseThrow().split(";", 2)[0];
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 6; i++) {
          HttpResponse<String> again = client.send(get("https://127.0.0.1:" + https + "/", cookie),
              HttpResponse.BodyHandlers.ofString());
          seen.merge(again.body().lines().findFirst().orElse(""), 1, Integer::sum);
        }
        assertEquals(Map.of(member, 6), seen, "the cookie kept the client on " + member);
      }
    }
  }

  private static HttpRequest get(String url, String cookie) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    return (cookie == null ? b : b.header("Cookie", cookie)).build();
  }

  /** The example folder copied under {@code into}, certificates included. */
  private static Path copy(Path from, Path into) throws IOException {
    Path to = into.resolve(from.getFileName());
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(from.relativize(f).toString()));
      }
    }
    return to;
  }
}
