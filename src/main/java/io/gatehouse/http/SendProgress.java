package io.gatehouse.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * Whether a client connection took anything since the last look: bytes left the gateway's queue for the socket
 * (the queue's head moved, as Netty's IdleStateHandler observes output), or, on epoll and io_uring, the kernel sent
 * the client data ({@code tcp_info}'s time since the last data segment). The second matters: the kernel's send buffer (a
 * megabyte and more on a fast path) sits between the two, and a client taking a kilobyte at a time frees too
 * little of it for the gateway to write again within one {@code client_timeout}. On NIO only the first is seen.
 * Looked at only when a stall timer expires. Event-loop confined.
 */
final class SendProgress {

  private final Channel channel;
  private Object head;
  private long headProgress;
  private long pending;
  private long markedNanos;

  SendProgress(Channel channel) {
    this.channel = channel;
    mark();
  }

  /** From now on. */
  void mark() {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    head = out == null ? null : out.current();
    headProgress = out == null ? 0 : out.currentProgress();
    pending = out == null ? 0 : out.totalPendingWriteBytes();
    markedNanos = System.nanoTime();
  }

  /** Whether the client took bytes since the last {@link #mark}; marks again. */
  boolean moved() {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    boolean moved = out != null && (out.current() != head || out.currentProgress() != headProgress
        || out.totalPendingWriteBytes() != pending);
    if (!moved) {
      long sinceMark = (System.nanoTime() - markedNanos) / 1_000_000;
      long lastSent = LastDataSent.millis(channel);
      moved = lastSent >= 0 && lastSent <= sinceMark;
    }
    mark();
    return moved;
  }
}
