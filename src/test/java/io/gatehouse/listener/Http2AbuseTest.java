package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static io.gatehouse.testkit.RawH2.CANCEL;
import static io.gatehouse.testkit.RawH2.CONTINUATION;
import static io.gatehouse.testkit.RawH2.END_HEADERS;
import static io.gatehouse.testkit.RawH2.END_STREAM;
import static io.gatehouse.testkit.RawH2.HEADERS;
import static io.gatehouse.testkit.RawH2.RST_STREAM;
import static io.gatehouse.testkit.RawH2.STILL_OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.testkit.RawH2;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 abuse and limits with raw frames, on an h2c listener and on an HTTPS one (h2 by ALPN): a rapid-reset
 * flood (CVE-2023-44487), a CONTINUATION flood (headers that never end) and malformed frames each end their own
 * connection while a client connected before and a new one are served; streams past the concurrency limit are
 * refused without ending the connection; the header list size is the listener's max_header_size.
 */
class Http2AbuseTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Member a;
  static int h2cPort;
  static int h2Port;

  @BeforeAll
  static void start() {
    a = gateway.backends().http("a");
    h2cPort = TestPorts.free();
    h2Port = TestPorts.free();
    gateway.startForClass("{" + head() + """
        "listeners":[
          {"name":"h2c","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
           "http2_enable":true},
          {"name":"h2","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
           "http2_enable":true,"tls":{"certificate":"%s","private_key":"%s"}}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(h2cPort, h2Port, TestCerts.RSA_CERT, TestCerts.RSA_KEY, members(a)));
  }

  static RawH2 open(String transport) {
    return transport.equals("h2c") ? RawH2.h2c(h2cPort) : RawH2.h2(h2Port);
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2c", "h2"})
  void aFewResetStreamsAreFineButARapidResetFloodEndsTheConnection(String transport) throws Exception {
    try (RawH2 calm = open(transport)) {
      for (int stream = 1; stream < 20; stream += 2) {
        calm.frame(HEADERS, END_HEADERS | END_STREAM, stream, RawH2.GET).frame(RST_STREAM, 0, stream, code(CANCEL));
      }
      assertEquals(200, calm.get(21, "/").flush().status(21), "ten cancelled requests ended the connection");
    }
    try (LogCapture log = LogCapture.start()) {
      int ending = attackAlone(transport, flood -> {
        for (int stream = 1; stream < 4000; stream += 2) {
          flood.frame(HEADERS, END_HEADERS | END_STREAM, stream, RawH2.GET)
              .frame(RST_STREAM, 0, stream, code(CANCEL));
        }
      });
      assertNotEquals(STILL_OPEN, ending, "2000 opened-and-reset streams were tolerated");
      // an operator hears of it: the GOAWAY alone says nothing on the gateway's side
      log.await("listener " + transport + ": ended 1 HTTP/2 connection(s) for abuse");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2c", "h2"})
  void aContinuationFloodEndsTheConnection(String transport) throws Exception {
    byte[] junk = new byte[1024];
    for (int i = 0; i < junk.length; i += 4) {
      // literal header, new name: 0x40, name length 2 "xx", value length 0 -> 4 bytes each
      junk[i] = 0x40;
      junk[i + 1] = 2;
      junk[i + 2] = 'x';
      junk[i + 3] = 'x';
    }
    int ending = attackAlone(transport, flood -> {
      flood.frame(HEADERS, END_STREAM, 1, RawH2.GET); // no END_HEADERS: the header block goes on
      for (int i = 0; i < 4096; i++) {
        flood.frame(CONTINUATION, 0, 1, junk);
      }
    });
    assertNotEquals(STILL_OPEN, ending, "a 4 MB header block was accepted");
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2c", "h2"})
  void streamsPastOneHundredAtOnceAreRefusedAndTheConnectionGoesOn(String transport) throws Exception {
    try (RawH2 c = open(transport)) {
      assertEquals(100L, c.serverSettings().get(RawH2.SETTINGS_MAX_CONCURRENT_STREAMS));
      List<Integer> streams = new ArrayList<>();
      for (int stream = 1; stream <= 219; stream += 2) { // 110 requests, each held 1.5 s by the member
        c.get(stream, "/slow/1500");
        streams.add(stream);
      }
      Map<Integer, RawH2.Outcome> got = c.flush().outcomes(streams);
      assertEquals(streams.size(), got.size(), "some streams got neither an answer nor a reset: " + got);
      for (int stream : streams) {
        RawH2.Outcome o = got.get(stream);
        if (stream <= 199) {
          assertEquals(200, o.status(), "stream " + stream + " of the first 100: " + o);
        } else {
          assertEquals(RawH2.REFUSED_STREAM, o.resetCode(), "stream " + stream + " past the first 100: " + o);
        }
      }
      assertEquals(STILL_OPEN, c.goaway(), "the connection was ended");
      assertEquals(200, c.get(221, "/").flush().status(221), "the connection no longer serves");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2c", "h2"})
  void aHeadersFrameOnStreamZeroIsAProtocolErrorForThatConnectionOnly(String transport) throws Exception {
    assertEquals(RawH2.PROTOCOL_ERROR,
        attackAlone(transport, bad -> bad.frame(HEADERS, END_HEADERS | END_STREAM, 0, RawH2.GET)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2c", "h2"})
  void aFrameOverTheMaxFrameSizeIsAFrameSizeErrorForThatConnectionOnly(String transport) throws Exception {
    assertEquals(RawH2.FRAME_SIZE_ERROR, attackAlone(transport,
        bad -> bad.frame(HEADERS, END_HEADERS | END_STREAM, 1, new byte[RawH2.MAX_FRAME_SIZE + 1])));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2c", "h2"})
  void theHeaderListMayBeAsLargeAsMaxHeaderSizeAndNoLarger(String transport) throws Exception {
    try (RawH2 c = open(transport)) {
      assertEquals(32768L, c.serverSettings().get(RawH2.SETTINGS_MAX_HEADER_LIST_SIZE));
      // 20 KB: past Netty's own 8 KiB default, under the listener's 32 KiB
      assertEquals(200, c.get(1, "/", "x-big", "y".repeat(20_000)).flush().status(1));
      RawH2.Outcome over = c.get(3, "/", "x-big", "y".repeat(34_000)).flush().outcomes(List.of(3)).get(3);
      assertEquals(new RawH2.Outcome(431, -1), over, "34 KB of headers");
      assertEquals(200, c.get(5, "/").flush().status(5), "a header list too large ended the connection");
    }
  }

  /** What an attacking client sends on its connection. */
  interface Attack {
    void send(RawH2 attacker) throws IOException;
  }

  /**
   * Sends {@code attack} on a connection of its own and returns how that connection ended ({@link RawH2#ending()};
   * {@link RawH2#CLOSED} when it ended while the attack was still being written); then a client connected before
   * the attack is still served, and so is a new one.
   */
  static int attackAlone(String transport, Attack attack) throws IOException {
    try (RawH2 before = open(transport)) {
      int ending;
      try (RawH2 attacker = open(transport)) {
        try {
          attack.send(attacker);
          attacker.flush();
          ending = attacker.ending();
        } catch (IOException closedWhileWriting) {
          ending = RawH2.CLOSED;
        }
      }
      assertEquals(200, before.get(1, "/").flush().status(1), "a client connected before is no longer served");
      try (RawH2 next = open(transport)) {
        assertEquals(200, next.get(1, "/").flush().status(1), "a new client is not served");
      }
      return ending;
    }
  }

  static byte[] code(int errorCode) {
    return new byte[] {0, 0, 0, (byte) errorCode};
  }
}
