package io.gatehouse.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * How long ago the kernel last sent a connection's peer data ({@code tcp_info}'s {@code tcpi_last_data_sent}), on
 * the native transports; "unknown" on NIO.
 */
final class LastDataSent {

  private LastDataSent() {}

  /** Milliseconds since the kernel last sent the peer data, or -1 when this transport cannot tell. */
  static long millis(Channel channel) {
    if (!channel.isActive()) {
      return -1;
    }
    try {
      if (channel instanceof EpollSocketChannel epoll) {
        return epoll.tcpInfo().lastDataSent();
      }
      if (channel instanceof IoUringSocketChannel uring) {
        return uring.tcpInfo().lastDataSent();
      }
    } catch (ChannelException closedMeanwhile) {
      return -1;
    }
    return -1;
  }
}
