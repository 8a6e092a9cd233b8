package io.gatehouse.health;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.pool.Member;
import io.gatehouse.tls.MemberTls;
import io.gatehouse.pool.MemberStatus;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GRPC} monitors against real grpc-java servers: grpc.health.v1.Health/Check over h2c, or TLS with ALPN h2
 * for HTTPS pools; what each kind of answer does to the member, and to the traffic it gets.
 */
class GrpcHealthMonitorTest extends GatewayHealthTest {

  /** A fresh HTTP/2 connection per probe took up to 0.2 s on a loaded machine: 0.5 s leaves it room. */
  static final String GRPC = "\"type\":\"GRPC\",\"delay\":0.5,\"timeout\":0.5,\"max_retries\":2,\"max_retries_down\":2";
  static final Duration GRPC_VERDICT = Duration.ofSeconds(8);

  private final List<GrpcMember> grpcMembers = new ArrayList<>();

  /**
   * Probes, h2c and TLS, until each passes once: the first HTTP/2 connections and TLS handshakes of a fresh JVM
   * (classes loading on both sides) took seconds on a loaded machine, so a member's first verdicts would be
   * timeouts, and a member's reason is the one of the probe that changed its status. The tests are about the
   * verdicts after that.
   */
  @BeforeAll
  static void warmUp() {
    Vertx vertx = Vertx.vertx();
    try (GrpcMember plain = GrpcMember.plain(); GrpcMember tls = GrpcMember.tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY)) {
      ProbeClients clients = new ProbeClients(vertx);
      for (GrpcMember m : List.of(plain, tls)) {
        Probe probe = clients.grpcProbe("", m == tls, MemberTls::insecure);
        SocketAddress at = SocketAddress.inetSocketAddress(m.port(), "127.0.0.1");
        Await.until(Duration.ofSeconds(60), () -> Sync.await(probe.run(at, Duration.ofSeconds(10))).up(),
            "a warm-up probe passes");
      }
    } finally {
      Sync.await(vertx.close());
    }
  }

  @AfterEach
  void stopGrpcMembers() {
    grpcMembers.forEach(GrpcMember::close);
  }

  private GrpcMember started(GrpcMember m) {
    grpcMembers.add(m);
    return m;
  }

  @Test
  void servingMembersTakeTrafficAndANotServingOneNoneUntilItServesAgain() {
    GrpcMember a = started(GrpcMember.plain());
    GrpcMember b = started(GrpcMember.plain());
    // a TCP pool (so h2c) behind a TCP listener: gRPC calls reach the members through the gateway untouched
    start("TCP", ",\"health_monitor\":{" + GRPC + "}", members(a.port(), b.port()));
    awaitServing(a.port());
    awaitServing(b.port());
    assertTrue(a.probes.get() >= 1, "the probes are Health/Check calls the member answered");
    callsThroughTheGateway(10);
    assertTrue(a.traffic.get() > 0 && b.traffic.get() > 0, a.traffic + " / " + b.traffic);

    a.status("", ServingStatus.NOT_SERVING);
    awaitStatus(a.port(), MemberStatus.OFFLINE, GRPC_VERDICT);
    assertEquals("NOT_SERVING", memberAt(a.port()).health().reason());
    int before = a.traffic.get();
    callsThroughTheGateway(10);
    assertEquals(before, a.traffic.get(), "no call reached the NOT_SERVING member");

    a.status("", ServingStatus.SERVING);
    awaitStatus(a.port(), MemberStatus.ONLINE, GRPC_VERDICT);
    assertEquals("SERVING", memberAt(a.port()).health().reason());
    callsThroughTheGateway(10);
    assertTrue(a.traffic.get() > before, "the member serving again takes calls");
  }

  @Test
  void grpcServiceNameIsTheServiceAskedAbout() {
    GrpcMember knows = started(GrpcMember.plain());
    knows.status("shop.Cart", ServingStatus.SERVING);
    GrpcMember unknown = started(GrpcMember.plain()); // serves, but has never heard of shop.Cart
    start("HTTP", ",\"health_monitor\":{" + GRPC + ",\"grpc_service_name\":\"shop.Cart\"}",
        members(knows.port(), unknown.port()));
    awaitStatus(unknown.port(), MemberStatus.OFFLINE, GRPC_VERDICT);
    assertEquals("grpc-status 5 NOT_FOUND", memberAt(unknown.port()).health().reason());
    awaitServing(knows.port());

    // the whole server still SERVING: only the named service counts
    knows.status("shop.Cart", ServingStatus.NOT_SERVING);
    awaitStatus(knows.port(), MemberStatus.OFFLINE, GRPC_VERDICT);
    assertEquals("NOT_SERVING", memberAt(knows.port()).health().reason());

    // a reload to the default asks about the whole server, which both serve
    reload("HTTP", ",\"health_monitor\":{" + GRPC + "}", members(knows.port(), unknown.port()));
    awaitStatus(knows.port(), MemberStatus.ONLINE, GRPC_VERDICT);
    awaitStatus(unknown.port(), MemberStatus.ONLINE, GRPC_VERDICT);
    assertEquals("SERVING", memberAt(unknown.port()).health().reason());
  }

  @Test
  void aServerWithoutTheHealthServiceIsDown() {
    GrpcMember none = started(GrpcMember.withoutHealthService());
    start("HTTP", ",\"health_monitor\":{" + GRPC + "}", members(none.port()));
    awaitStatus(none.port(), MemberStatus.OFFLINE, GRPC_VERDICT);
    assertEquals("grpc-status 12 UNIMPLEMENTED", memberAt(none.port()).health().reason());
    JsonObject shown = gw.status().getJsonArray("pools").getJsonObject(0).getJsonArray("members").getJsonObject(0);
    assertEquals("OFFLINE", shown.getString("status"));
    assertEquals("grpc-status 12 UNIMPLEMENTED", shown.getString("status_reason"), "what operators see");
  }

  @Test
  void stoppedSilentAndBrokenMembersAreDown() {
    GrpcMember stopped = started(GrpcMember.plain());
    Backends.Member silent = backends.tcp("silent", so -> { }); // accepts, never answers the HTTP/2 preface
    // Vert.x answers h2c with prior knowledge, but it is no gRPC server
    Backends.Member web = backends.http("web", false, req -> req.response().setStatusCode(404).end());
    // gRPC's framing, but a message cut short: 3 bytes of the 5 announced
    Backends.Member garbled = backends.http("garbled", false, req -> req.response()
        .putHeader("content-type", "application/grpc").putTrailer("grpc-status", "0")
        .end(Buffer.buffer().appendByte((byte) 0).appendInt(5).appendBytes(new byte[] {0x08, 0x01, 0x10})));
    Backends.Member statusless = backends.http("statusless", false, req -> req.response()
        .putHeader("content-type", "application/grpc").end(Buffer.buffer(new byte[] {0, 0, 0, 0, 2, 0x08, 0x01})));
    start("HTTP", ",\"health_monitor\":{" + GRPC + "}",
        members(stopped.port(), silent.port(), web.port(), garbled.port(), statusless.port()));
    awaitServing(stopped.port());
    stopped.close();
    awaitStatus(stopped.port(), MemberStatus.OFFLINE, GRPC_VERDICT);
    assertEquals("connect refused", memberAt(stopped.port()).health().reason());
    awaitStatus(silent.port(), MemberStatus.OFFLINE, GRPC_VERDICT);
    assertEquals("timeout after 0.5 s", memberAt(silent.port()).health().reason());
    awaitStatus(web.port(), MemberStatus.OFFLINE, GRPC_VERDICT);
    assertEquals("HTTP 404", memberAt(web.port()).health().reason());
    awaitStatus(garbled.port(), MemberStatus.OFFLINE, GRPC_VERDICT);
    assertEquals("malformed HealthCheckResponse: truncated message", memberAt(garbled.port()).health().reason());
    awaitStatus(statusless.port(), MemberStatus.OFFLINE, GRPC_VERDICT);
    assertEquals("no grpc-status", memberAt(statusless.port()).health().reason());
  }

  @Test
  void anIpv6MemberIsAskedWithABracketedAuthority() {
    AtomicReference<String> authority = new AtomicReference<>();
    HttpServer member = backends.vertx().createHttpServer().requestHandler(req -> {
      authority.set(String.valueOf(req.authority()));
      byte[] serving = {0x08, 0x01};
      req.response().putHeader("content-type", "application/grpc").putTrailer("grpc-status", "0")
          .end(Buffer.buffer().appendByte((byte) 0).appendInt(serving.length).appendBytes(serving));
    });
    Sync.await(member.listen(0, "::1"));
    int memberPort = member.actualPort();
    start("HTTP", ",\"health_monitor\":{" + GRPC + "}",
        "[{\"address\":\"::1\",\"protocol_port\":" + memberPort + "}]");
    Await.until(GRPC_VERDICT, () -> authority.get() != null,
        () -> "no probe arrived; the member is " + pool().member("::1:" + memberPort).health());
    String seen = authority.get(); // [::1] or [0:0:0:0:0:0:0:1]: the brackets are what matters
    assertTrue(seen.matches("\\[[0-9a-f:]+\\]:" + memberPort), seen);
    Await.until(GRPC_VERDICT, () -> serving("p", "::1", memberPort),
        () -> "the member is " + pool().member("::1:" + memberPort).health());
  }

  @Test
  void httpsPoolsProbeOverTlsWithAlpnH2CheckingTheMemberAsTrafficDoes() {
    GrpcMember trusted = started(GrpcMember.tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY)); // test CA, 127.0.0.1
    GrpcMember named = started(GrpcMember.tls(TestCerts.API_CERT, TestCerts.API_KEY)); // api.example.test only
    GrpcMember foreign = started(GrpcMember.tls(TestCerts.DIR.resolve("other-server.crt"),
        TestCerts.DIR.resolve("other-server.key")));
    Backends.Member http1 = backends.http("http1", true, req -> req.response().end()); // TLS, no h2 in ALPN
    String ca = "\"ca_certificate\":\"" + TestCerts.CA_CERT + "\",";
    // TLS handshakes took up to a second on a loaded machine: two seconds per probe
    String monitor = "\"health_monitor\":{\"type\":\"GRPC\",\"delay\":2,\"timeout\":2,\"max_retries\":1,"
        + "\"max_retries_down\":2},";
    gw = GatewayHarness.start("{" + head() + "\"pools\":["
        + pool("verified", ca + monitor, trusted.port()) + ","
        + pool("named", ca + monitor + "\"tls_server_name\":\"api.example.test\",", named.port()) + ","
        + pool("foreign", ca + monitor, foreign.port()) + ","
        + pool("any", monitor, foreign.port()) + ","
        + pool("http1", monitor, http1.port()) + "]}");
    Duration verdict = Duration.ofSeconds(30);
    Await.until(verdict, () -> serving("verified", trusted.port()) && serving("named", named.port())
        && serving("any", foreign.port()), () -> "TLS probes pass: " + member("verified", trusted.port()).health()
        + " / " + member("named", named.port()).health() + " / " + member("any", foreign.port()).health());
    Await.until(verdict, () -> "tls untrusted".equals(member("foreign", foreign.port()).health().reason()),
        () -> "the member of another CA is " + member("foreign", foreign.port()).health());
    assertEquals(MemberStatus.OFFLINE, member("foreign", foreign.port()).health().status());
    Await.until(verdict, () -> "no HTTP/2 (ALPN chose HTTP_1_1)".equals(member("http1", http1.port()).health().reason()),
        () -> "the HTTP/1.1 member is " + member("http1", http1.port()).health());
    assertEquals(MemberStatus.OFFLINE, member("http1", http1.port()).health().status());
  }

  private static String pool(String name, String fields, int memberPort) {
    return "{\"name\":\"" + name + "\",\"protocol\":\"HTTPS\"," + fields + "\"members\":" + members(memberPort) + "}";
  }

  private Member member(String pool, int memberPort) {
    return gw.gateway().runtime().view().pool(pool).member("127.0.0.1:" + memberPort);
  }

  /**
   * ONLINE, and its last probe passed. A fresh JVM's first HTTP/2 probes may time out (classes loading on both
   * sides) and take a member OFFLINE for a moment; the streak after it is what a test is about.
   */
  private boolean serving(String pool, int memberPort) {
    return serving(pool, "127.0.0.1", memberPort);
  }

  private boolean serving(String pool, String address, int memberPort) {
    HealthChecker checker = gw.gateway().runtime().view().health().get(pool);
    Member m = gw.gateway().runtime().view().pool(pool).member(address + ":" + memberPort);
    ProbeCounts c = checker.probeCounts().get(m.id());
    return m.health().status() == MemberStatus.ONLINE && c != null && c.success() >= 1 && checker.lastProbeUp(m);
  }

  private void awaitServing(int memberPort) {
    Await.until(GRPC_VERDICT, () -> serving("p", memberPort), () -> "member " + memberPort + " is "
        + memberAt(memberPort).health());
  }

  /** {@code n} Health/Check calls marked as traffic, each on a new connection so that each is balanced anew. */
  private void callsThroughTheGateway(int n) {
    Metadata marked = new Metadata();
    marked.put(GrpcMember.TRAFFIC, "1");
    for (int i = 0; i < n; i++) {
      ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
          .build();
      try {
        ServingStatus status = HealthGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(marked))
            .withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus();
        assertEquals(ServingStatus.SERVING, status, "call " + i);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
