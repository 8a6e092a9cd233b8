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
 * column is 0.
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
    List<Socket> found = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        List<String> lines = Files.readAllLines(Path.of(table));
        for (String line : lines.subList(1, lines.size())) { // the first is the column names
          String[] f = line.trim().split("\\s+");
          int local = port(f[1]);
          int remote = port(f[2]);
          if (f[3].equals("01") && (localPort == 0 || local == localPort) && (remotePort == 0 || remote == remotePort)) {
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
