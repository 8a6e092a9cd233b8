package io.gatehouse.http;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Flow control on HTTP/2 member connections: a client that stops reading holds back its own stream, not the
 * member connection that other clients' requests share.
 */
class Http2MemberFlowControlTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();

  @Test
  void aClientThatStopsReadingDoesNotStallOtherStreamsOfItsMemberConnection() throws Exception {
    AtomicLong sent = new AtomicLong();
    Buffer chunk = Buffer.buffer(new byte[16 * 1024]);
    HttpServer member = gateway.backends().vertx().createHttpServer(new HttpServerOptions()).requestHandler(req -> {
      if (req.path().equals("/big")) {
        req.response().setChunked(true);
        pour(req.response(), chunk, sent); // until the client's stream takes no more
      } else {
        req.response().end("ok");
      }
    });
    Sync.await(member.listen(0, "127.0.0.1"));
    int port = TestPorts.free();
    // one event loop: both clients' requests share the member connections of one MemberClients
    gateway.start("{" + head().replace("\"event_loops\":2", "\"event_loops\":1") + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"HTTP2","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
        """.formatted(port, member.actualPort()));
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new InetSocketAddress("127.0.0.1", port));
      stalled.getOutputStream().write("GET /big HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      long[] last = {-1, System.nanoTime()};
      // the member's writes to the unread stream stop for half a second: every buffer on the way is full
      Await.until(Duration.ofSeconds(20), () -> {
        long now = sent.get();
        if (now != last[0]) {
          last[0] = now;
          last[1] = System.nanoTime();
        }
        return now > 0 && System.nanoTime() - last[1] > Duration.ofMillis(500).toNanos();
      }, () -> "the member kept sending to a client that reads nothing: " + sent.get());
      HttpResponse<String> other = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/small")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, other.statusCode());
      assertEquals("ok", other.body());
    } finally {
      Sync.await(member.close());
    }
  }

  @Test
  void requestsWaitingForAStreamTakeTheRoomAMemberGivesLater() throws Exception {
    HttpServer member = gateway.backends().vertx().createHttpServer(new HttpServerOptions()
            .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(0)))
        .connectionHandler(conn -> gateway.backends().vertx().setTimer(300,
            t -> conn.updateSettings(new Http2Settings().setMaxConcurrentStreams(100))))
        .requestHandler(req -> req.response().end("ok"));
    Sync.await(member.listen(0, "127.0.0.1"));
    int port = TestPorts.free();
    gateway.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"HTTP2","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
        """.formatted(port, member.actualPort()));
    try {
      long start = System.nanoTime();
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(200, r.statusCode());
      // not the connect wait's end (MAX_CONNECT_MILLIS): the raised limit let the waiting request in
      assertTrue(millis < 3000, "answered after " + millis + " ms");
    } finally {
      Sync.await(member.close());
    }
  }

  private static void pour(HttpServerResponse resp, Buffer chunk, AtomicLong sent) {
    while (!resp.writeQueueFull() && !resp.closed()) {
      resp.write(chunk);
      sent.addAndGet(chunk.length());
    }
    if (!resp.closed()) {
      resp.drainHandler(v -> pour(resp, chunk, sent));
    }
  }
}
