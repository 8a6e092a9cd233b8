package io.gatehouse.cluster;

import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TcpClient;
import java.util.function.Supplier;

/** What the cluster tests' clients do through a node's listener: a TCP greeting, an HTTP GET with a cookie. */
final class NodeClients {

  private NodeClients() {}

  /** What {@code call} answers, or null when it fails (a node or member not back yet, while awaiting). */
  static String orNull(Supplier<String> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The name a TCP echo member greets with, reached through the listener on {@code port} from {@code client}. */
  static String greeting(int port, String client) {
    try (TcpClient c = TcpClient.connect("127.0.0.1", port, client)) {
      return c.readLine();
    }
  }

  /** {@code GET path} on a connection of its own to the HTTP listener on {@code port}; {@code cookie} may be null. */
  static RawHttp.Response get(int port, String path, String cookie) {
    try (RawHttp http = new RawHttp(port)) {
      return http.send("GET " + path + " HTTP/1.1\r\nHost: test\r\n"
          + (cookie == null ? "" : "Cookie: " + cookie + "\r\n") + "Connection: close\r\n\r\n").read();
    }
  }

  /** {@code method path} on node {@code g}'s admin API (no token, no body). */
  static RawHttp.Response admin(io.gatehouse.Gateway g, String method, String path) {
    try (RawHttp http = new RawHttp(g.adminPort())) {
      return http.send(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
          + "Connection: close\r\n\r\n").read();
    }
  }
}
