package io.gatehouse.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Small members on loopback for {@code --demo}, so that a new user sees balancing at once: HTTP servers that
 * answer with their name, TCP echo servers that greet with their name, UDP echo servers that prefix it. The
 * default configuration's pools point at these ports.
 */
public final class DemoBackends {

  private static final Logger LOG = Logger.getLogger(DemoBackends.class.getName());

  public static final int[] HTTP_PORTS = {18001, 18002, 18003};
  public static final int[] TCP_PORTS = {18101, 18102, 18103};
  public static final int[] UDP_PORTS = {18201, 18202, 18203};
  private static final String HOST = "127.0.0.1";

  private final Vertx vertx;
  private final List<HttpServer> http = new ArrayList<>();
  private final List<NetServer> tcp = new ArrayList<>();
  private final List<DatagramSocket> udp = new ArrayList<>();

  public DemoBackends(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<Void> start() {
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < HTTP_PORTS.length; i++) {
      all.add(startHttp("demo-http-" + (i + 1), HTTP_PORTS[i]));
      all.add(startTcp("demo-tcp-" + (i + 1), TCP_PORTS[i]));
      all.add(startUdp("demo-udp-" + (i + 1), UDP_PORTS[i]));
    }
    return Future.all(all).onSuccess(v -> LOG.info("demo members up: HTTP 127.0.0.1:18001-18003, "
        + "TCP echo 127.0.0.1:18101-18103, UDP echo 127.0.0.1:18201-18203")).mapEmpty();
  }

  private Future<?> startHttp(String name, int port) {
    HttpServer s = vertx.createHttpServer().requestHandler(req -> {
      String body = "hello from " + name + " (" + req.method() + " " + req.uri() + ", X-Forwarded-For: "
          + req.getHeader("X-Forwarded-For") + ")\n";
      req.response().putHeader("X-Backend", name).putHeader("Content-Type", "text/plain").end(body);
    });
    http.add(s);
    return s.listen(port, HOST);
  }

  private Future<?> startTcp(String name, int port) {
    NetServer s = vertx.createNetServer().connectHandler(so -> {
      so.write("[" + name + "] connected; echoing\n");
      so.handler(so::write);
    });
    tcp.add(s);
    return s.listen(port, HOST);
  }

  private Future<?> startUdp(String name, int port) {
    DatagramSocket s = vertx.createDatagramSocket();
    s.handler(p -> s.send(Buffer.buffer("[" + name + "] ").appendBuffer(p.data()),
        p.sender().port(), p.sender().hostAddress()));
    udp.add(s);
    return s.listen(port, HOST);
  }

  public Future<Void> stop() {
    List<Future<?>> all = new ArrayList<>();
    http.forEach(s -> all.add(s.close()));
    tcp.forEach(s -> all.add(s.close()));
    udp.forEach(s -> all.add(s.close()));
    return Future.all(all).mapEmpty();
  }
}
