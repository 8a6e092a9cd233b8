package io.gatehouse.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's view of this machine's TCP sockets ({@code /proc/net/tcp} and {@code tcp6}), for what no socket API
 * shows from the other end: whether the gateway's own socket has SO_KEEPALIVE on. An established socket with it
 * has its keep-alive timer running (the {@code tr} column is 2 while nothing else is pending); without it the
 * column is 0. Also whether a socket is there at all: a closed one lingers while it holds data for its peer.
 */
public final class SocketTimers {

  /** One established socket: ports as seen from its own end, and its timer kind. */
  public record Socket(int localPort, int remotePort, int timer) {
    public boolean keepAlive() {
      return timer == 2;
    }
  }

  private SocketTimers() {}

  /** The established sockets bound to {@code localPort} and connected to {@code remotePort} (either 0: any). */
  public static List<Socket> established(int localPort, int remotePort) {
    return sockets(localPort, remotePort, true);
  }

  /**
   * The sockets bound to {@code localPort} and connected to {@code remotePort} in any state but listening: one
   * closed gracefully but still holding unsent data (FIN_WAIT1, CLOSING, ...) is listed, one aborted is not.
   */
  public static List<Socket> any(int localPort, int remotePort) {
    return sockets(localPort, remotePort, false);
  }

  private static List<Socket> sockets(int localPort, int remotePort, boolean establishedOnly) {
    List<Socket> found = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        List<String> lines = Files.readAllLines(Path.of(table));
        for (String line : lines.subList(1, lines.size())) { // the first is the column names
          String[] f = line.trim().split("\\s+");
          int local = port(f[1]);
          int remote = port(f[2]);
          boolean state = establishedOnly ? f[3].equals("01") : !f[3].equals("0A");
          if (state && (localPort == 0 || local == localPort) && (remotePort == 0 || remote == remotePort)) {
            found.add(new Socket(local, remote, Integer.parseInt(f[5].substring(0, 2), 16)));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return found;
  }

  private static int port(String address) {
    return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
  }
}
