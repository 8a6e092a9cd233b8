package io.gatehouse.http;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.GrpcMembers;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gRPC calls in flight on HTTP/2 member connections through a reload that switches the pool's protocol, and
 * through a member drain: the calls finish, and the member's count of open exchanges returns to 0.
 */
class GrpcReloadAndDrainTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static final int CALLS = 8;

  private final List<AutoCloseable> closing = new ArrayList<>();
  private GatewayHarness gw;
  private GrpcMembers.Member a;
  private ManagedChannel ch;

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private void start(String poolExtra) {
    a = GrpcMembers.plain("a");
    closing.add(a);
    int port = TestPorts.free();
    gw = gateway.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "http2_enable":true}],
        "pools":[{"name":"p","protocol":"HTTP2"%s,"members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
        """.formatted(port, poolExtra, a.port()));
    ch = GrpcMembers.plainChannel(port);
    closing.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
  }

  /** {@link #CALLS} calls of 1.5 s each, all at the member when this returns. */
  private List<com.google.common.util.concurrent.ListenableFuture<byte[]>> sleepers() {
    List<com.google.common.util.concurrent.ListenableFuture<byte[]>> calls = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      calls.add(ClientCalls.futureUnaryCall(ch.newCall(GrpcMembers.SLEEP,
          CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS)), GrpcMembers.utf8("1500")));
    }
    Await.until(Duration.ofSeconds(10), () -> a.sleeping.get() == CALLS, "the calls reach the member");
    return calls;
  }

  private JsonObject memberStatus() {
    return gw.status().getJsonArray("pools").getJsonObject(0).getJsonArray("members").getJsonObject(0);
  }

  private void awaitNoOpenExchange() {
    Await.until(Duration.ofSeconds(10), () -> memberStatus().getInteger("active_connections") == 0,
        () -> "the member still counts " + memberStatus().getInteger("active_connections"));
  }

  @Test
  void callsInFlightFinishThroughReloadsSwitchingThePoolBetweenHttp2AndHttp() throws Exception {
    start("");
    var calls = sleepers();
    String json = Files.readString(gw.configFile());
    gw.rewrite(json.replace("\"protocol\":\"HTTP2\"", "\"protocol\":\"HTTP\""));
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    for (var c : calls) {
      assertEquals("a:slept", GrpcMembers.text(c.get(10, TimeUnit.SECONDS)), "a call in flight finishes");
    }
    awaitNoOpenExchange();
    gw.rewrite(json);
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    assertEquals("a:hello", GrpcMembers.unary(ch, GrpcMembers.UNARY, "hello",
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), "HTTP/2 to the member again");
    awaitNoOpenExchange();
  }

  @Test
  void aDrainedH2MemberFinishesItsCallsWithinTheDelayAndCountsNoneAfter() throws Exception {
    start(",\"deregistration_delay\":5");
    var calls = sleepers();
    var r = gw.adminCall("POST", "/api/v1/pools/p/members/127.0.0.1:" + a.port() + "/drain");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(CALLS, memberStatus().getJsonObject("drain").getInteger("connections"));
    for (var c : calls) {
      assertEquals("a:slept", GrpcMembers.text(c.get(10, TimeUnit.SECONDS)), "a call in flight finishes");
    }
    awaitNoOpenExchange();
    List<String> gauge = gw.metrics().lines().filter(l -> l.startsWith("gatehouse_member_connections_active{"))
        .toList();
    assertTrue(!gauge.isEmpty() && gauge.stream().allMatch(l -> l.endsWith(" 0.0") || l.endsWith(" 0")),
        () -> "gatehouse_member_connections_active: " + gauge);
  }
}
