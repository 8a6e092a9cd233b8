package io.gatehouse.health;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code UDP_CONNECT}: one datagram from a connected, non-blocking JDK channel (the kernel reports ICMP errors
 * only to connected UDP sockets, and Vert.x datagram sockets cannot connect). An ICMP port unreachable surfaces
 * as {@link PortUnreachableException} on a later read: down. A reply, or silence until the timeout: up, as the
 * cloud load balancers decide. The channel is polled on Vert.x timers, so nothing ever blocks.
 */
final class UdpConnectProbe implements Probe {

  /** What {@code nc -zu} sends: any service may get it, so it is short and plain. */
  private static final byte[] PAYLOAD = "X".getBytes(StandardCharsets.US_ASCII);

  private final Vertx vertx;

  UdpConnectProbe(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Future<ProbeResult> run(SocketAddress target, Duration timeout) {
    DatagramChannel channel;
    try {
      channel = DatagramChannel.open();
      channel.configureBlocking(false);
      channel.connect(new InetSocketAddress(target.hostAddress(), target.port()));
      channel.write(ByteBuffer.wrap(PAYLOAD));
    } catch (IOException e) {
      return Future.succeededFuture(ProbeResult.down(reason(e)));
    }
    Promise<ProbeResult> result = Promise.promise();
    long deadline = System.nanoTime() + timeout.toNanos();
    long pollMillis = Math.max(5, Math.min(50, timeout.toMillis() / 4));
    poll(channel, ByteBuffer.allocate(2048), deadline, pollMillis, timeout, result);
    return result.future().onComplete(r -> close(channel));
  }

  private void poll(DatagramChannel channel, ByteBuffer buf, long deadline, long pollMillis, Duration timeout,
      Promise<ProbeResult> result) {
    try {
      buf.clear();
      if (channel.read(buf) > 0) {
        result.complete(ProbeResult.up("UDP reply"));
        return;
      }
    } catch (IOException e) {
      result.complete(ProbeResult.down(reason(e)));
      return;
    }
    if (System.nanoTime() - deadline >= 0) {
      result.complete(ProbeResult.up("no ICMP error within " + ProbeResult.seconds(timeout) + " s"));
      return;
    }
    vertx.setTimer(pollMillis, id -> poll(channel, buf, deadline, pollMillis, timeout, result));
  }

  private static String reason(IOException e) {
    return e instanceof PortUnreachableException ? "ICMP port unreachable" : "UDP error: " + e.getMessage();
  }

  private static void close(DatagramChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing is left to release
    }
  }
}
