package io.gatehouse.listener;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * Datagrams that wait past their read burst (while a session's member-side socket is set up, or behind datagrams
 * a full kernel socket buffer has not taken yet), kept in buffers of their own size. Every datagram is read
 * into a 64 KiB buffer so that none is truncated (on epoll the datagram is a slice of it, which holds it all the
 * same): one that waits as read pins 64 KiB whatever its size, so a queue of small ones would cost up to a
 * thousand times their bytes. Datagrams forwarded within their burst are passed on as read, uncopied.
 */
final class HeldDatagrams {

  /** Up to this size a datagram is copied before it waits: as read, it would hold more than twice its size. */
  static final int COPY_UP_TO = UdpListener.MAX_DATAGRAM / 2;

  private HeldDatagrams() {
  }

  /** The datagram in a buffer of its own size (the read buffer released), or as it is when that is large. */
  static ByteBuf compact(ByteBuf data, ByteBufAllocator alloc) {
    int size = data.readableBytes();
    if (size > COPY_UP_TO) {
      return data;
    }
    // direct, as the read buffer was: the native send takes it without another copy
    ByteBuf copy = alloc.directBuffer(size, size);
    copy.writeBytes(data, data.readerIndex(), size);
    data.release();
    return copy;
  }

  /**
   * Whether datagrams flushed to the channel are still waiting for room in the kernel's socket buffer: what is
   * written now waits behind them, past the read burst.
   */
  static boolean backlogged(Channel ch) {
    ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
    return out != null && !out.isEmpty();
  }
}
