package io.gatehouse.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A blocking test client over a real socket; every read has a deadline (SO_TIMEOUT). */
public final class TcpClient implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;

  private TcpClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  public static TcpClient connect(int port) {
    return connect("127.0.0.1", port, null);
  }

  /** Connects from a chosen local address (e.g. 127.0.0.2) to see the gateway's per-client rules. */
  public static TcpClient connect(String host, int port, String fromAddress) {
    try {
      Socket s = new Socket();
      if (fromAddress != null) {
        s.bind(new InetSocketAddress(InetAddress.getByName(fromAddress), 0));
      }
      s.connect(new InetSocketAddress(host, port), 5000);
      s.setSoTimeout(5000);
      return new TcpClient(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Socket socket() {
    return socket;
  }

  /** One line without its end, or null at end of stream. */
  public String readLine() {
    try {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b; (b = in.read()) != -1; ) {
        if (b == '\n') {
          return line.toString(StandardCharsets.UTF_8);
        }
        line.write(b);
      }
      return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void write(String text) {
    write(text.getBytes(StandardCharsets.UTF_8));
  }

  public void write(byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public byte[] readExactly(int n) {
    try {
      return in.readNBytes(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * True when the gateway closed the connection (end of stream or reset) within the socket's read timeout,
   * having sent nothing.
   */
  public boolean closedWithNothingSent() {
    try {
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  /** Reads until end of stream; fails on timeout. */
  public byte[] readToEnd() {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void shutdownOutput() {
    try {
      socket.shutdownOutput();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void setReadTimeout(int millis) {
    try {
      socket.setSoTimeout(millis);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a test socket: nothing to do
    }
  }
}
