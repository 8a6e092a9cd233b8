package io.gatehouse.listener;

import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;

/**
 * Sends zero-length datagrams on a channel's own socket, past Netty: Netty 4.2's datagram channels never send
 * one. Their single write skips an empty buffer as if sent (epoll and NIO {@code doWriteMessage}), and epoll's
 * sendmmsg leaves it out of the batch yet counts it among the datagrams sent, so that the next datagram of the
 * same flush goes out twice. The socket is the channel's own, so the datagram leaves from the same address and
 * port as the others.
 */
final class EmptyDatagrams {

  private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

  /** The JDK channel of an NIO channel made by {@link #nioChannel}: Netty keeps its own out of reach. */
  private static final AttributeKey<java.nio.channels.DatagramChannel> JDK_CHANNEL =
      AttributeKey.valueOf(EmptyDatagrams.class, "jdkChannel");

  private EmptyDatagrams() {
  }

  /** An NIO datagram channel that {@link #send} can send on. */
  static DatagramChannel nioChannel(boolean v6) {
    ProtocolFamily family = v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    try {
      java.nio.channels.DatagramChannel jdk = java.nio.channels.DatagramChannel.open(family);
      NioDatagramChannel ch = new NioDatagramChannel(jdk);
      ch.attr(JDK_CHANNEL).set(jdk);
      return ch;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Sends a zero-length datagram to {@code to} (a connected channel's peer too), on the channel's event loop.
   * What was written to the channel before is flushed first, so that it is not overtaken. False when it could
   * not be sent: the channel's socket is out of reach (neither a native channel nor one of {@link #nioChannel}),
   * it is a connected NIO channel, or the send failed. A full socket buffer cannot be told from success (both send 0 bytes): then, like any
   * datagram, it may be lost.
   */
  static boolean send(DatagramChannel ch, InetSocketAddress to) {
    ch.flush();
    try {
      if (ch instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
        socket.sendTo(EMPTY, 0, 0, to.getAddress(), to.getPort());
        return true;
      }
      java.nio.channels.DatagramChannel jdk = ch.attr(JDK_CHANNEL).get();
      // a connected JDK channel does not send an empty buffer either (it writes 0 bytes without a system call)
      if (jdk != null && !jdk.isConnected()) {
        jdk.send(EMPTY, to);
        return true;
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }
}
