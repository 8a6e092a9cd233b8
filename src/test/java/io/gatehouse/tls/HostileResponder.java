package io.gatehouse.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An "OCSP responder" on loopback that misbehaves as whoever is on a plain-HTTP path may: it reads each request's
 * head and then lets {@link Answer} write what it likes. Counts the bytes it got written before the gateway hung up.
 */
final class HostileResponder implements AutoCloseable {

  /** Writes an answer; returns when done or when the gateway closed the connection (an IOException). */
  interface Answer {
    void write(OutputStream out, AtomicLong written) throws IOException, InterruptedException;
  }

  private final ServerSocket server;
  private final Thread acceptor;
  final AtomicLong written = new AtomicLong();
  final AtomicLong connections = new AtomicLong();

  HostileResponder(Answer answer) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = daemon(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          connections.incrementAndGet();
          daemon(() -> serve(s, answer));
        } catch (IOException e) {
          return; // closed
        }
      }
    });
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "hostile-responder");
    t.setDaemon(true);
    t.start();
    return t;
  }

  String url() {
    return "http://127.0.0.1:" + server.getLocalPort() + "/";
  }

  private void serve(Socket s, Answer answer) {
    try (s) {
      readHead(s.getInputStream());
      answer.write(s.getOutputStream(), written);
    } catch (IOException | InterruptedException e) {
      // the gateway hung up: what this responder is for
    }
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        return;
      }
      matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
    }
  }

  static void head(OutputStream out, String headers) throws IOException {
    out.write(("HTTP/1.1 200 OK\r\ncontent-type: application/ocsp-response\r\n" + headers + "\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    acceptor.interrupt();
  }
}
