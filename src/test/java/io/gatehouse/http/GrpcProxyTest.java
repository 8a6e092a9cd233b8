package io.gatehouse.http;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.GrpcMembers.text;
import static io.gatehouse.testkit.GrpcMembers.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.GrpcMembers;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gRPC through the gateway end to end, with grpc-java on both sides: a client over h2c (an HTTP listener with
 * http2_enable) or TLS (HTTPS with http2_enable), members of an HTTP2 pool (h2c) or an HTTPS pool offering h2 by
 * ALPN. Unary and the three streaming kinds, trailers, flow control with a reader that stops, a member killed
 * mid-stream, deadlines, and the gateway's own answers as gRPC statuses.
 */
class GrpcProxyTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();

  private final List<AutoCloseable> closing = new ArrayList<>();
  private int port;

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private GrpcMembers.Member member(GrpcMembers.Member m) {
    closing.add(m);
    return m;
  }

  private ManagedChannel channel(ManagedChannel c) {
    closing.add(() -> c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return c;
  }

  /** An h2c listener (HTTP, http2_enable) in front of pool p; {@code pool}: the pool's fields but name. */
  private GatewayHarness start(String listenerExtra, String pool) {
    port = TestPorts.free();
    return gateway.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "http2_enable":true%s}],
        "pools":[{"name":"p",%s}]}
        """.formatted(port, listenerExtra, pool));
  }

  private static String members(int... ports) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < ports.length; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"address\":\"127.0.0.1\",\"protocol_port\":").append(ports[i]).append('}');
    }
    return sb.append(']').toString();
  }

  private ManagedChannel h2cPool(GrpcMembers.Member... ms) {
    start("", "\"protocol\":\"HTTP2\",\"members\":" + members(java.util.Arrays.stream(ms)
        .mapToInt(GrpcMembers.Member::port).toArray()));
    return channel(GrpcMembers.plainChannel(port));
  }

  @Test
  void unaryCallsReachAnH2cMember() {
    GrpcMembers.Member a = member(GrpcMembers.plain("a"));
    ManagedChannel ch = h2cPool(a);
    for (int i = 0; i < 20; i++) {
      assertEquals("a:hello " + i, GrpcMembers.unary(ch, GrpcMembers.UNARY, "hello " + i, CallOptions.DEFAULT));
    }
    assertEquals(20, a.calls.get());
  }

  @Test
  void statusAndCustomTrailersPassIntact() {
    GrpcMembers.Member a = member(GrpcMembers.plain("a"));
    ManagedChannel ch = h2cPool(a);
    // after a message: trailers in their own HEADERS frame
    Outcome ok = call(ch, GrpcMembers.TRAILERS, "x");
    assertEquals(Status.Code.OK, ok.status.getCode());
    assertEquals("a", text(ok.messages.get(0)));
    assertEquals("d-a", ok.trailers.get(GrpcMembers.DETAIL));
    // trailers-only: the status in the one HEADERS frame
    Outcome failed = call(ch, GrpcMembers.FAIL, "x");
    assertEquals(Status.Code.NOT_FOUND, failed.status.getCode());
    assertEquals("nothing here, a", failed.status.getDescription());
    assertEquals("d-a", failed.trailers.get(GrpcMembers.DETAIL));
  }

  @Test
  void clientStreamingCarriesManyMessages() throws Exception {
    ManagedChannel ch = h2cPool(member(GrpcMembers.plain("a")));
    CompletableFuture<String> answer = new CompletableFuture<>();
    StreamObserver<byte[]> up = ClientCalls.asyncClientStreamingCall(
        ch.newCall(GrpcMembers.COLLECT, CallOptions.DEFAULT), observer(answer));
    for (int i = 0; i < 2000; i++) {
      up.onNext(new byte[1024]);
    }
    up.onCompleted();
    assertEquals("a:count=2000,bytes=2048000", answer.get(30, TimeUnit.SECONDS));
  }

  @Test
  void serverStreamingCarriesManyMessages() {
    ManagedChannel ch = h2cPool(member(GrpcMembers.plain("a")));
    List<byte[]> got = GrpcMembers.serverStream(ch, "3000:1000");
    assertEquals(3000, got.size());
    assertTrue(got.stream().allMatch(b -> b.length == 1000));
  }

  @Test
  void bidirectionalStreamingEchoesInOrder() throws Exception {
    ManagedChannel ch = h2cPool(member(GrpcMembers.plain("a")));
    List<String> back = new CopyOnWriteArrayList<>();
    CompletableFuture<String> done = new CompletableFuture<>();
    StreamObserver<byte[]> up = ClientCalls.asyncBidiStreamingCall(ch.newCall(GrpcMembers.CHAT, CallOptions.DEFAULT),
        observer(m -> back.add(text(m)), done));
    // the first answer comes back while the call is still open: a real conversation, not a buffered one
    up.onNext(utf8("m0"));
    Await.until(Duration.ofSeconds(10), () -> back.size() == 1, "no answer while the request stream is open");
    for (int i = 1; i < 1000; i++) {
      up.onNext(utf8("m" + i));
    }
    up.onCompleted();
    assertEquals("ok", done.get(30, TimeUnit.SECONDS));
    assertEquals(1000, back.size());
    for (int i = 0; i < 1000; i++) {
      assertEquals("a:m" + i, back.get(i));
    }
  }

  @Test
  void aReaderThatStopsHoldsTheMemberBackInsteadOfFillingTheGateway() {
    GrpcMembers.Member a = member(GrpcMembers.plain("a"));
    ManagedChannel ch = h2cPool(a);
    int messages = 1000;
    int size = 64 * 1024; // 64 MiB in all
    Sprayed s = spray(ch, messages + ":" + size); // one message, then nothing: the client's window stays shut
    AtomicInteger got = s.got();
    Await.until(Duration.ofSeconds(10), () -> got.get() == 1, "the first message never came");
    long bound = 8L * 1024 * 1024;
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    while (System.nanoTime() < end) { // a window of observation, not a synchronisation
      assertTrue(a.sent.get() < bound, "the member sent " + a.sent.get() + " bytes to a client that reads nothing");
      Thread.onSpinWait();
    }
    s.call().request(Integer.MAX_VALUE);
    Status status = s.closed().orTimeout(60, TimeUnit.SECONDS).join();
    assertEquals(Status.Code.OK, status.getCode());
    assertEquals(messages, got.get());
  }

  @Test
  void aMemberKilledMidStreamEndsTheCallWithAnError() {
    GrpcMembers.Member a = member(GrpcMembers.plain("a"));
    ManagedChannel ch = h2cPool(a);
    Sprayed s = spray(ch, "1000000:1024");
    Await.until(Duration.ofSeconds(10), () -> s.got().get() == 1, "the first message never came");
    a.kill();
    s.call().request(Integer.MAX_VALUE);
    Status status = s.closed().orTimeout(10, TimeUnit.SECONDS).join(); // never a hang
    assertTrue(status.getCode() == Status.Code.UNAVAILABLE || status.getCode() == Status.Code.INTERNAL,
        "ended with " + status);
  }

  @Test
  void theClientsDeadlineBoundsTheCallAtTheGateway() throws Exception {
    GrpcMembers.Member a = member(GrpcMembers.plain("a"));
    GatewayHarness gw = start("", "\"protocol\":\"HTTP2\",\"members\":" + members(a.port()));
    // a raw HTTP/2 client that does not enforce the deadline itself: the answer it gets is the gateway's
    RawGrpc.Answer answer = RawGrpc.call(port, "/test.Echo/Sleep", "300m", utf8("10000"));
    assertEquals(200, answer.status());
    assertEquals("4", answer.grpcStatus());
    assertTrue(answer.grpcMessage().contains("grpc-timeout"), answer.grpcMessage());
    assertTrue(answer.millis() < 8000, "answered after " + answer.millis() + " ms");
    assertTrue(gw.awaitAccessLog("end=grpc_deadline").contains("status=504"));
    // and grpc-java's own client sees DEADLINE_EXCEEDED
    ManagedChannel ch = channel(GrpcMembers.plainChannel(port));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> GrpcMembers.unary(ch,
        GrpcMembers.SLEEP, "3000", CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS)));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    // a deadline longer than the call changes nothing
    assertEquals("a:slept", GrpcMembers.unary(ch, GrpcMembers.SLEEP, "100",
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)));
  }

  @Test
  void grpcTimeoutsOutsideTheGrammarAreIgnoredAndExtremesHold() {
    GrpcMembers.Member a = member(GrpcMembers.plain("a"));
    start("", "\"protocol\":\"HTTP2\",\"members\":" + members(a.port()));
    // the longest there is (8 digits of hours: past a long's nanoseconds) must not wrap into one already over
    assertEquals("0", RawGrpc.call(port, "/test.Echo/Sleep", "99999999H", utf8("50")).grpcStatus());
    assertEquals("0", RawGrpc.call(port, "/test.Echo/Sleep", "99999999M", utf8("50")).grpcStatus());
    // zero: over before it began
    RawGrpc.Answer zero = RawGrpc.call(port, "/test.Echo/Sleep", "0n", utf8("5000"));
    assertEquals("4", zero.grpcStatus());
    assertTrue(zero.millis() < 4000, "answered after " + zero.millis() + " ms");
    // not gRPC's grammar (9 digits, no unit, a sign, an unknown unit): as if none was sent
    for (String bad : new String[] {"123456789S", "100", "-1S", "1x", "1.5S", "1 S"}) {
      assertEquals("0", RawGrpc.call(port, "/test.Echo/Sleep", bad, utf8("50")).grpcStatus(), bad);
    }
  }

  @Test
  void noUsableMemberIsUnavailable() {
    GatewayHarness gw = start("", "\"protocol\":\"HTTP2\",\"members\":[]");
    String message = unavailable(GrpcMembers.UNARY, "x");
    assertTrue(message.contains("no usable member"), message);
    assertTrue(gw.awaitAccessLog("end=no_usable_member").contains("status=503"));
  }

  @Test
  void aRefusedMemberIsUnavailable() {
    int closedPort = TestPorts.free();
    start("", "\"protocol\":\"HTTP2\",\"members\":" + members(closedPort));
    String message = unavailable(GrpcMembers.UNARY, "x");
    assertTrue(message.contains("502"), message);
  }

  @Test
  void memberTimeoutIsUnavailableNotDeadlineExceeded() {
    GrpcMembers.Member a = member(GrpcMembers.plain("a"));
    GatewayHarness gw = start(",\"member_timeout\":0.5", "\"protocol\":\"HTTP2\",\"members\":" + members(a.port()));
    String message = unavailable(GrpcMembers.SLEEP, "3000");
    assertTrue(message.contains("504"), message);
    assertTrue(gw.awaitAccessLog("end=member_timeout").contains("status=504"));
  }

  @Test
  void streamsPastTheMembersLimitWaitForRoom() throws Exception {
    // one stream per connection at the member: the gateway opens a few connections, then queues
    GrpcMembers.Member a = member(GrpcMembers.plain("a", 1));
    ManagedChannel ch = h2cPool(a);
    int calls = 12;
    List<CompletableFuture<String>> answers = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      CompletableFuture<String> f = new CompletableFuture<>();
      ClientCalls.asyncUnaryCall(ch.newCall(GrpcMembers.SLEEP, CallOptions.DEFAULT), utf8("300"), observer(f));
      answers.add(f);
    }
    for (CompletableFuture<String> f : answers) {
      assertEquals("a:slept", f.get(30, TimeUnit.SECONDS));
    }
    int most = a.mostSleeping.get();
    // 2 event loops x 4 connections x 1 stream; the one client connection lands on one loop
    assertTrue(most <= 2 * MemberClients.H2_CONNECTIONS_PER_MEMBER, "member saw " + most + " calls at once");
  }

  @Test
  void connectionsAMemberSentGoawayOnDoNotTakeTheNewOnesPlace() throws Exception {
    // one stream per connection, and a GOAWAY half a second into each: long calls keep their connections open
    GrpcMembers.Member a = member(GrpcMembers.aging("a", 1, 500));
    ManagedChannel ch = h2cPool(a);
    List<CompletableFuture<String>> longCalls = new ArrayList<>();
    for (int i = 0; i < MemberClients.H2_CONNECTIONS_PER_MEMBER; i++) {
      CompletableFuture<String> f = new CompletableFuture<>();
      ClientCalls.asyncUnaryCall(ch.newCall(GrpcMembers.SLEEP, CallOptions.DEFAULT), utf8("60000"), observer(f));
      longCalls.add(f);
    }
    Await.until(Duration.ofSeconds(10), () -> a.sleeping.get() == MemberClients.H2_CONNECTIONS_PER_MEMBER,
        () -> a.sleeping.get() + " long calls at the member");
    // once the GOAWAYs came, those connections take no new stream: a new call gets a new connection
    Await.until(Duration.ofSeconds(20), () -> {
      try {
        return GrpcMembers.unary(ch, GrpcMembers.UNARY, "x", CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.SECONDS))
            .equals("a:x");
      } catch (StatusRuntimeException e) {
        return false;
      }
    }, "no call got through while the going-away connections were busy");
    longCalls.forEach(f -> f.cancel(true));
  }

  @Test
  void tlsClientToAnAlpnMember() {
    GrpcMembers.Member a = member(GrpcMembers.tls("a"));
    port = TestPorts.free();
    gateway.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "http2_enable":true,"tls":{"certificate":"%s","private_key":"%s"}}],
        "pools":[{"name":"p","protocol":"HTTPS","ca_certificate":"%s","alpn_protocols":["h2","http/1.1"],
                  "members":%s}]}
        """.formatted(port, TestCerts.RSA_CERT, TestCerts.RSA_KEY, TestCerts.CA_CERT, members(a.port())));
    ManagedChannel ch = channel(GrpcMembers.tlsChannel(port));
    assertEquals("a:over tls", GrpcMembers.unary(ch, GrpcMembers.UNARY, "over tls", CallOptions.DEFAULT));
    assertEquals(1000, GrpcMembers.serverStream(ch, "1000:100").size());
    Outcome failed = call(ch, GrpcMembers.FAIL, "x");
    assertEquals(Status.Code.NOT_FOUND, failed.status.getCode());
    assertEquals("d-a", failed.trailers.get(GrpcMembers.DETAIL));
  }

  // ---- helpers

  /** Calls the gateway of this test, which must answer UNAVAILABLE; returns the status's message. */
  private String unavailable(MethodDescriptor<byte[], byte[]> method, String request) {
    ManagedChannel ch = channel(GrpcMembers.plainChannel(port));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> GrpcMembers.unary(ch, method, request, CallOptions.DEFAULT));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    return e.getStatus().getDescription();
  }

  /** A Spray call whose reading the test drives: one message asked for so far. */
  record Sprayed(ClientCall<byte[], byte[]> call, AtomicInteger got, CompletableFuture<Status> closed) {}

  private static Sprayed spray(ManagedChannel ch, String request) {
    ClientCall<byte[], byte[]> call = ch.newCall(GrpcMembers.SPRAY, CallOptions.DEFAULT);
    AtomicInteger got = new AtomicInteger();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        got.incrementAndGet();
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.sendMessage(utf8(request));
    call.halfClose();
    call.request(1);
    return new Sprayed(call, got, closed);
  }

  /** One gRPC call by a plain HTTP/2 client (Vert.x's, h2c prior knowledge) that keeps no deadline of its own. */
  static final class RawGrpc {
    record Answer(int status, String grpcStatus, String grpcMessage, long millis) {}

    static Answer call(int port, String path, String grpcTimeout, byte[] message) {
      io.vertx.core.http.HttpClient client = gateway.backends().vertx().createHttpClient(
          new io.vertx.core.http.HttpClientOptions().setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
              .setHttp2ClearTextUpgrade(false));
      try {
        long start = System.nanoTime();
        io.vertx.core.http.HttpClientRequest req = io.gatehouse.testkit.Sync.await(
            client.request(io.vertx.core.http.HttpMethod.POST, port, "127.0.0.1", path));
        req.putHeader("content-type", "application/grpc").putHeader("te", "trailers")
            .putHeader("grpc-timeout", grpcTimeout);
        io.vertx.core.buffer.Buffer frame = io.vertx.core.buffer.Buffer.buffer().appendByte((byte) 0)
            .appendInt(message.length).appendBytes(message);
        // the body is asked for in the response's own callback: later, an ended response has nothing to give
        io.vertx.core.http.HttpClientResponse resp = io.gatehouse.testkit.Sync.await(req.send(frame)
            .compose(r -> r.body().map(body -> r)));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String status = resp.getHeader("grpc-status") != null ? resp.getHeader("grpc-status")
            : resp.getTrailer("grpc-status");
        String text = resp.getHeader("grpc-message") != null ? resp.getHeader("grpc-message")
            : resp.getTrailer("grpc-message");
        return new Answer(resp.statusCode(), status, text, millis);
      } finally {
        client.close();
      }
    }
  }

  /** How a call ended: its messages, status and trailers. */
  record Outcome(List<byte[]> messages, Status status, Metadata trailers) {}

  private static Outcome call(ManagedChannel ch, MethodDescriptor<byte[], byte[]> method, String request) {
    ClientCall<byte[], byte[]> call = ch.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    List<byte[]> messages = new CopyOnWriteArrayList<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        messages.add(message);
      }

      @Override
      public void onClose(Status status, Metadata t) {
        trailers.set(t);
        closed.complete(status);
      }
    }, new Metadata());
    call.request(Integer.MAX_VALUE);
    call.sendMessage(utf8(request));
    call.halfClose();
    Status status = closed.orTimeout(15, TimeUnit.SECONDS).join();
    return new Outcome(messages, status, trailers.get());
  }

  /** Completes {@code answer} with the first message's text. */
  private static StreamObserver<byte[]> observer(CompletableFuture<String> answer) {
    return observer(m -> answer.complete(text(m)), answer);
  }

  /** Hands each message to {@code each}; {@code done} completes with "ok" at the end, unless already complete. */
  private static StreamObserver<byte[]> observer(java.util.function.Consumer<byte[]> each,
      CompletableFuture<String> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] m) {
        each.accept(m);
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete("ok");
      }
    };
  }
}
