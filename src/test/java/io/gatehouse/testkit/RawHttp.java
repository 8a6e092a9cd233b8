package io.gatehouse.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** HTTP/1 over a plain socket, for what real clients refuse to send: malformed, pipelined, 1.0, Expect. */
public final class RawHttp implements AutoCloseable {

  /** A response as read off the wire: status, head (lines, as sent) and body. */
  public record Response(int status, String head, String body) {
    public String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  public RawHttp(int port) {
    this(port, "127.0.0.1");
  }

  /** Connects from a chosen local address (e.g. 127.0.0.2): another client to the gateway's per-client rules. */
  public RawHttp(int port, String fromAddress) {
    this(connect(port, fromAddress));
  }

  /** Over a connected socket of the caller's (a TLS one, say), reads bounded by 10 s. */
  public RawHttp(Socket socket) {
    try {
      this.socket = socket;
      socket.setSoTimeout(10_000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Socket connect(int port, String fromAddress) {
    try {
      return new Socket(InetAddress.getLoopbackAddress(), port, InetAddress.getByName(fromAddress), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public RawHttp send(String text) {
    try {
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Half-closes: sends a FIN, as {@code printf ... | nc} does once its input ends; reading goes on. */
  public RawHttp shutdownOutput() {
    try {
      socket.shutdownOutput();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads one response: body by Content-Length, chunked, or until the connection closes. */
  public Response read() {
    try {
      String head = readHead();
      int status = Integer.parseInt(head.substring(9, 12));
      Response r = new Response(status, head, "");
      String length = r.header("Content-Length");
      String body;
      if (status == 100 || status == 101 || status == 204 || status == 304) {
        body = "";
      } else if (length != null) {
        body = new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.ISO_8859_1);
      } else if ("chunked".equalsIgnoreCase(r.header("Transfer-Encoding"))) {
        body = readChunked();
      } else {
        body = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      }
      return new Response(status, head, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Everything until the gateway closes the connection (fails when it is still open after the socket timeout). */
  public String readUntilClosed() {
    try {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * True when the gateway closed the connection (end of stream or reset) with nothing more to read; false when
   * it sent more, or kept the connection open past the socket timeout.
   */
  public boolean closedByPeer() {
    try {
      return in.read() < 0;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before a response head: " + head);
      }
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : 0;
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private String readChunked() throws IOException {
    StringBuilder body = new StringBuilder();
    while (true) {
      String line = readLine();
      int size = Integer.parseInt(line.split(";")[0].trim().toLowerCase(Locale.ROOT), 16);
      if (size == 0) {
        readLine();
        return body.toString();
      }
      body.append(new String(in.readNBytes(size), StandardCharsets.ISO_8859_1));
      readLine();
    }
  }

  private String readLine() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new IOException("closed");
      }
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return sb.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
