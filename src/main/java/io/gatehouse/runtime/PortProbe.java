package io.gatehouse.runtime;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.ListenerProtocol;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Listeners bind with SO_REUSEPORT, so that a replacement can bind beside its predecessor. With it the kernel would
 * also let a listener share a port that another process holds with SO_REUSEPORT (a second gateway, nginx with
 * {@code reuseport}) and split its traffic silently. A listener on a port of its own first binds a plain socket,
 * without SO_REUSEPORT, and closes it: taken by anyone, that bind fails, and so does the listener.
 */
final class PortProbe {

  private PortProbe() {}

  /** Throws when the listener's address cannot be bound by a socket without SO_REUSEPORT. */
  static void requireFree(ListenerConfig l) throws IOException {
    InetSocketAddress address = new InetSocketAddress(l.host(), l.protocolPort());
    if (l.protocol().isUdp()) {
      try (DatagramSocket probe = new DatagramSocket(null)) {
        probe.setReuseAddress(false);
        probe.bind(address);
      }
    } else {
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(true); // as the listener itself: a port in TIME_WAIT is free
        probe.bind(address, 1);
      }
    }
  }
}
