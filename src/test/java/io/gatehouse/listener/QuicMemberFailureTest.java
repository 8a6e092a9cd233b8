package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Http3Client;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A member that fails in the middle of a response to an HTTP/3 client: the client must not take it as whole. */
class QuicMemberFailureTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();

  @Test
  void aResponseCutByItsMemberIsResetNotEndedAsIfWhole() throws Exception {
    HttpServer member = gateway.backends().vertx().createHttpServer(new HttpServerOptions()).requestHandler(req -> {
      var resp = req.response();
      if (req.path().equals("/sized")) {
        resp.putHeader("content-length", "1000000");
      } else {
        resp.setChunked(true);
      }
      resp.write(Buffer.buffer(new byte[100_000]));
      gateway.backends().vertx().setTimer(200, t -> req.connection().close());
    });
    Sync.await(member.listen(0, "127.0.0.1"));
    int port = TestPorts.free();
    GatewayHarness gw = gateway.start("{" + head() + """
        "listeners":[{"name":"h3","protocol":"QUIC","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "tls":{"certificate":"%s","private_key":"%s"}}],
        "pools":[{"name":"p","protocol":"HTTP","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
        """.formatted(port, TestCerts.RSA_CERT, TestCerts.RSA_KEY, member.actualPort()));
    try (Http3Client h3 = Http3Client.connect(port)) {
      for (String path : new String[] {"/chunked", "/sized"}) {
        // reset (QuicStreamResetException), not ended with a FIN as if the body were whole
        assertThrows(QuicStreamResetException.class, () -> Http3Client.await(h3.send("GET", path, Map.of(), null)),
            path + ": the cut response is not taken as whole");
      }
      gw.awaitAccessLog("path=/chunked status=200");
    } finally {
      Sync.await(member.close());
    }
  }
}
