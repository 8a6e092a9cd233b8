package io.gatehouse.listener;

import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;

/**
 * How much a client connection reads at a time: one instance for every connection, where Netty's default gives each
 * channel an allocator of its own and a handle holding a size calculator (about 130 bytes on every connection, idle
 * ones included). The handle here keeps its size as one byte: a power of two from 512 bytes to 64 KB, starting at
 * 2 KB, four times larger after a read that filled the buffer (bulk data ramps up within a few reads), and half as
 * large after two read bursts in a row that would have fitted in half.
 */
final class CompactRecvAllocator extends DefaultMaxMessagesRecvByteBufAllocator {

  static final CompactRecvAllocator SHARED = new CompactRecvAllocator();

  /** 512 bytes: most request heads in one read (a read buffer lives only until its bytes are decoded). */
  static final int MIN_SHIFT = 9;
  static final int INITIAL_SHIFT = 11;
  static final int MAX_SHIFT = 16;

  /**
   * Up to 16 reads per wake-up, what Netty gives socket channels: the channel's setter takes an allocator as it
   * is, and this class's own default would be one.
   */
  private CompactRecvAllocator() {
    super(16);
  }

  @Override
  public Handle newHandle() {
    return new SizeHandle();
  }

  /** One connection's read size. Event-loop confined, as every handle. */
  final class SizeHandle extends MaxMessageHandle {

    private byte shift = INITIAL_SHIFT;
    /** The previous burst would have fitted in half: one more such and the size halves. */
    private boolean smallBefore;
    /** A read of this burst filled its buffer: the burst was not small, whatever its total. */
    private boolean filled;

    @Override
    public int guess() {
      return 1 << shift;
    }

    @Override
    public void lastBytesRead(int bytes) {
      if (bytes > 0 && bytes == attemptedBytesRead()) {
        shift = (byte) Math.min(MAX_SHIFT, shift + 2); // filled: more is waiting
        filled = true;
      }
      super.lastBytesRead(bytes);
    }

    @Override
    public void readComplete() {
      boolean small = !filled && totalBytesRead() <= 1 << (shift - 1);
      filled = false;
      if (small && shift > MIN_SHIFT) {
        if (smallBefore) {
          shift--;
        }
        smallBefore = !smallBefore;
      } else {
        smallBefore = false;
      }
    }
  }
}
