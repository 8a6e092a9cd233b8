package io.gatehouse.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free loopback ports for gateway listeners, whose configuration needs a number before binding. The port is
 * free for TCP and UDP at the moment of the call; tests bind it right after. No port is handed out twice in
 * one JVM: the kernel may offer a port again as soon as the probe socket closes, and a test that asks for two
 * (a listener's and the admin API's) would otherwise get one port for both.
 */
public final class TestPorts {

  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

  private TestPorts() {}

  public static int free() {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = tcp.getLocalPort();
        try (DatagramSocket udp = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
          if (GIVEN.add(port)) {
            return port;
          }
        } catch (IOException taken) {
          // the UDP twin is in use: try another
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no free loopback port");
  }
}
