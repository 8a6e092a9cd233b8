package io.gatehouse.testkit;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free loopback ports for gateway listeners, whose configuration needs a number before binding. The port is
 * free for TCP and UDP at the moment of the call; tests bind it right after.
 *
 * <p>Ports come from below the kernel's ephemeral range: a port taken from that range and left unbound for a
 * moment (a listener a reload removes and adds again) can be given by the kernel to any outgoing connection
 * in between, and the next bind fails with "Address already in use". No port is handed out twice in one JVM.
 * Surefire's test JVMs each get their own slice of the range ({@code gatehouse.test.fork} of
 * {@code gatehouse.test.forks}, set in the pom): a port one JVM has probed but not bound yet (a listener a later
 * reload adds) is never probed free by the other. Within its slice each JVM starts at a random point, so that
 * test JVMs of other builds on the same machine rarely probe the same ports.
 */
public final class TestPorts {

  private static final int FORKS = Math.max(1, Integer.getInteger("gatehouse.test.forks", 1));
  /** 0 outside surefire's forks (an IDE, failsafe's ITs): the whole range. */
  private static final int FORK = Math.min(FORKS, Math.max(0, Integer.getInteger("gatehouse.test.fork", 0)));
  private static final int SLICE = (ephemeralLow() - 10_000) / FORKS;
  private static final int LOW = FORK == 0 ? 10_000 : 10_000 + (FORK - 1) * SLICE;
  private static final int HIGH = FORK == 0 ? ephemeralLow() - 1 : LOW + SLICE - 1;
  private static final AtomicInteger NEXT =
      new AtomicInteger(LOW + ThreadLocalRandom.current().nextInt(HIGH - LOW + 1));

  private TestPorts() {}

  public static int free() {
    for (int attempt = 0; attempt < 2_000; attempt++) {
      int port = NEXT.getAndUpdate(p -> p >= HIGH ? LOW : p + 1);
      if (bindable(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free loopback port in " + LOW + "-" + HIGH);
  }

  private static boolean bindable(int port) {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket tcp = new ServerSocket(port, 1, loopback);
        DatagramSocket udp = new DatagramSocket(port, loopback)) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  /** The first port of the ephemeral range (Linux default when it cannot be read). */
  private static int ephemeralLow() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      int low = Integer.parseInt(range.split("\\s+")[0]);
      return low > LOW + 1_000 ? low : 32_768;
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
