package io.gatehouse.health;

import static io.gatehouse.testkit.Configs.head;

import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberStatus;
import io.gatehouse.pool.Pool;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** What the end-to-end health tests share: members, one gateway with listener {@code l} and pool {@code p}. */
abstract class GatewayHealthTest {

  /** delay 0.2 s × 2 retries, plus slack for a loaded machine. */
  static final Duration VERDICT = Duration.ofMillis(400 + 1200);
  static final String FAST = "\"delay\":0.2,\"timeout\":0.2,\"max_retries\":2,\"max_retries_down\":2";

  Backends backends;
  GatewayHarness gw;
  int port;
  /** The node, admin and reload sections {@link #start} wrote: a reload keeps them. */
  private String head;

  @BeforeEach
  void startBackends() {
    backends = new Backends();
  }

  @AfterEach
  void stopAll() {
    if (gw != null) {
      gw.close();
    }
    backends.close();
  }

  /** A pool of {@code protocol}; a listener in front of it unless the protocol is HTTP (probes only). */
  void start(String protocol, String poolExtra, String membersJson) {
    port = TestPorts.free();
    head = head();
    gw = GatewayHarness.start(config(protocol, poolExtra, membersJson));
  }

  /** The configuration file rewritten as {@link #start} would have written it, and reloaded. */
  void reload(String protocol, String poolExtra, String membersJson) {
    gw.rewrite(config(protocol, poolExtra, membersJson));
    Sync.await(gw.gateway().runtime().reload());
  }

  private String config(String protocol, String poolExtra, String membersJson) {
    String listener = protocol.equals("HTTP") ? "" : """
        "listeners":[{"name":"l","protocol":"%s","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        """.formatted(protocol, port);
    return "{" + head + listener + """
        "pools":[{"name":"p","protocol":"%s"%s,"members":%s}]}
        """.formatted(protocol, poolExtra, membersJson);
  }

  /** An HTTP member whose {@code /health} answers {@code code} and whose other paths count as live traffic. */
  static final class HttpMember {
    final AtomicInteger code = new AtomicInteger(200);
    final AtomicInteger traffic = new AtomicInteger();
    final AtomicReference<String> lastProbe = new AtomicReference<>();
    Backends.Member server;
  }

  HttpMember httpMember(String name, boolean tls) {
    HttpMember m = new HttpMember();
    m.server = backends.http(name, tls, req -> {
      if (req.path().startsWith("/health")) {
        m.lastProbe.set(req.method() + " " + req.uri() + " Host=" + req.headers().get("Host"));
        req.response().setStatusCode(m.code.get()).end();
      } else {
        m.traffic.incrementAndGet();
        req.response().putHeader("Connection", "close").end(name);
      }
    });
    return m;
  }

  static String member(int port, int weight) {
    return "{\"address\":\"127.0.0.1\",\"protocol_port\":" + port + ",\"weight\":" + weight + "}";
  }

  static String members(int... ports) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < ports.length; i++) {
      sb.append(i == 0 ? "" : ",").append(member(ports[i], 1));
    }
    return sb.append(']').toString();
  }

  Pool pool() {
    return gw.gateway().runtime().view().pool("p");
  }

  Member memberAt(int memberPort) {
    return pool().member("127.0.0.1:" + memberPort);
  }

  void awaitStatus(int memberPort, MemberStatus status, Duration limit) {
    // an OFFLINE status is set a moment before the pool's snapshot of usable members is rebuilt: wait for both
    Await.until(limit, () -> memberAt(memberPort).health().status() == status && (status != MemberStatus.OFFLINE
        || gw.gateway().runtime().view().pool("p").snapshot().usableMember("127.0.0.1:" + memberPort) == null),
        () -> "member " + memberPort + " is " + memberAt(memberPort).health() + ", not " + status);
  }

  ProbeCounts counts(int memberPort) {
    return gw.gateway().runtime().view().health().get("p").probeCounts().get("127.0.0.1:" + memberPort);
  }

  /** One HTTP request through the TCP listener from {@code from} (null: any); the answering member's name. */
  String viaTcpListener(String from) {
    try (TcpClient c = TcpClient.connect("127.0.0.1", port, from)) {
      c.write("GET /data HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
      String answer = new String(c.readToEnd(), StandardCharsets.UTF_8);
      return answer.substring(answer.lastIndexOf('\n') + 1);
    }
  }
}
