package io.gatehouse.demo;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.ListenerProtocol;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * With {@code --demo}, shows balancing without a second terminal: once the gateway is ready, a few requests go
 * through the first HTTP and the first TCP listener, one after the other, and one log line each says which
 * demo member answered how many. Bounded in count and time; a failure is logged, never fatal.
 */
public final class DemoTraffic {

  private static final Logger LOG = Logger.getLogger(DemoTraffic.class.getName());
  static final int HTTP_REQUESTS = 6;
  static final int TCP_CONNECTIONS = 4;
  private static final int TIMEOUT_MS = 2_000;

  private DemoTraffic() {}

  public static Future<Void> show(Vertx vertx, GatehouseConfig config) {
    Future<Void> http = first(config, ListenerProtocol.HTTP)
        .map(l -> http(vertx, l))
        .orElse(Future.succeededFuture());
    return http.compose(v -> first(config, ListenerProtocol.TCP)
        .map(l -> tcp(vertx, l))
        .orElse(Future.succeededFuture()));
  }

  private static java.util.Optional<ListenerConfig> first(GatehouseConfig config, ListenerProtocol protocol) {
    return config.listeners().stream().filter(l -> l.protocol() == protocol).findFirst();
  }

  /** The address to reach a listener on: loopback when it listens on every address. */
  private static String host(ListenerConfig l) {
    return "0.0.0.0".equals(l.host()) || "::".equals(l.host()) ? "127.0.0.1" : l.host();
  }

  private static Future<Void> http(Vertx vertx, ListenerConfig l) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)
        .setConnectTimeout(TIMEOUT_MS));
    Map<String, Integer> answered = new TreeMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < HTTP_REQUESTS; i++) {
      chain = chain.compose(v -> client.request(new RequestOptions().setMethod(HttpMethod.GET)
              .setHost(host(l)).setPort(l.protocolPort()).setURI("/").setTimeout(TIMEOUT_MS))
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(b -> resp.getHeader("X-Backend")))
          .map(member -> {
            answered.merge(member == null ? "(no X-Backend header)" : member, 1, Integer::sum);
            return null;
          }));
    }
    return report(chain, "HTTP requests to http://" + host(l) + ":" + l.protocolPort() + "/", answered)
        .eventually(client::close);
  }

  private static Future<Void> tcp(Vertx vertx, ListenerConfig l) {
    NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(TIMEOUT_MS));
    Map<String, Integer> answered = new TreeMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < TCP_CONNECTIONS; i++) {
      chain = chain.compose(v -> client.connect(l.protocolPort(), host(l)).compose(so -> {
        io.vertx.core.Promise<String> greeting = io.vertx.core.Promise.promise();
        so.handler(b -> greeting.tryComplete(b.toString().trim()));
        so.closeHandler(x -> greeting.tryComplete("(closed without a greeting)"));
        long timer = vertx.setTimer(TIMEOUT_MS, id -> greeting.tryComplete("(no greeting in time)"));
        return greeting.future().onComplete(x -> {
          vertx.cancelTimer(timer);
          so.close();
        });
      }).map(line -> {
        // the demo TCP members greet with "[name] connected; echoing"
        String member = line.startsWith("[") && line.indexOf(']') > 0 ? line.substring(1, line.indexOf(']')) : line;
        answered.merge(member, 1, Integer::sum);
        return null;
      }));
    }
    return report(chain, "TCP connections to " + host(l) + ":" + l.protocolPort(), answered)
        .eventually(client::close);
  }

  private static Future<Void> report(Future<Void> chain, String what, Map<String, Integer> answered) {
    return chain.transform(ar -> {
      if (ar.succeeded()) {
        LOG.info("demo: " + answered.values().stream().mapToInt(Integer::intValue).sum() + " " + what
            + " were answered by " + answered.entrySet().stream()
                .map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", ")));
      } else {
        LOG.warning("demo: " + what + " failed: " + ar.cause().getMessage());
      }
      return Future.succeededFuture();
    });
  }
}
