package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2 abuse on an h2c listener, with raw frames: a rapid-reset flood (CVE-2023-44487) and a CONTINUATION
 * flood (headers that never end) each end that connection (GOAWAY or close), and other clients are served.
 */
class Http2AbuseTest {

  static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  static final int HEADERS = 0x1;
  static final int RST_STREAM = 0x3;
  static final int SETTINGS = 0x4;
  static final int GOAWAY = 0x7;
  static final int CONTINUATION = 0x9;
  /** HPACK, static table: :method GET, :scheme http, :path /. */
  static final byte[] GET = {(byte) 0x82, (byte) 0x86, (byte) 0x84};

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("h2c", "HTTP", "HTTP");
  static Member a;
  static int port;

  @BeforeAll
  static void start() {
    a = gateway.backends().http("a");
    gateway.startForClass(",\"http2_enable\":true", "", members(a));
    port = gateway.port();
  }

  @Test
  void aFewResetStreamsAreFineButARapidResetFloodEndsTheConnection() throws Exception {
    try (Socket calm = open()) {
      OutputStream out = calm.getOutputStream();
      for (int stream = 1; stream < 20; stream += 2) {
        frame(out, HEADERS, 0x4 | 0x1, stream, GET);
        frame(out, RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8});
      }
      out.flush();
      calm.setSoTimeout(1000);
      assertTrue(!goawayOrClose(calm), "ten cancelled requests already ended the connection");
    }
    try (Socket s = open()) {
      OutputStream out = s.getOutputStream();
      boolean ended = false;
      try {
        for (int stream = 1; stream < 4000; stream += 2) {
          frame(out, HEADERS, 0x4 | 0x1, stream, GET);
          frame(out, RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8}); // CANCEL
        }
        out.flush();
      } catch (IOException closedWhileWriting) {
        ended = true;
      }
      assertTrue(ended || goawayOrClose(s), "2000 opened-and-reset streams were tolerated");
    }
    assertServed();
  }

  @Test
  void aContinuationFloodEndsTheConnection() throws Exception {
    try (Socket s = open()) {
      OutputStream out = s.getOutputStream();
      boolean ended = false;
      try {
        frame(out, HEADERS, 0x1, 1, GET); // no END_HEADERS: the header block goes on
        byte[] junk = new byte[1024];
        for (int i = 0; i < junk.length; i += 4) {
          // literal header, new name: 0x40, name length 2 "xx", value length 0 -> 4 bytes each
          junk[i] = 0x40;
          junk[i + 1] = 2;
          junk[i + 2] = 'x';
          junk[i + 3] = 'x';
        }
        for (int i = 0; i < 4096; i++) {
          frame(out, CONTINUATION, 0, 1, junk);
        }
        out.flush();
      } catch (IOException closedWhileWriting) {
        ended = true;
      }
      assertTrue(ended || goawayOrClose(s), "a 4 MB header block was accepted");
    }
    assertServed();
  }

  static Socket open() throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(5000);
    OutputStream out = s.getOutputStream();
    out.write(PREFACE);
    frame(out, SETTINGS, 0, 0, new byte[0]);
    return s;
  }

  static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
    ByteArrayOutputStream f = new ByteArrayOutputStream(9 + payload.length);
    f.write(payload.length >>> 16);
    f.write(payload.length >>> 8);
    f.write(payload.length);
    f.write(type);
    f.write(flags);
    f.write(stream >>> 24);
    f.write(stream >>> 16);
    f.write(stream >>> 8);
    f.write(stream);
    f.write(payload);
    f.writeTo(out);
  }

  /** Reads frames until a GOAWAY or the end of the connection; false when neither comes within the timeout. */
  static boolean goawayOrClose(Socket s) throws IOException {
    DataInputStream in = new DataInputStream(s.getInputStream());
    try {
      while (true) {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        in.readUnsignedByte();
        in.readInt();
        in.skipNBytes(length);
        if (type == GOAWAY) {
          return true;
        }
      }
    } catch (EOFException | java.net.SocketException closed) {
      return true;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    }
  }

  static void assertServed() {
    try (RawHttp next = new RawHttp(port)) {
      assertEquals(200, next.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read().status());
    }
  }
}
