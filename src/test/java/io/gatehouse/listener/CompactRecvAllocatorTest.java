package io.gatehouse.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The shared read-size allocator: a size that ramps up for bulk data and comes down when reads are small. */
class CompactRecvAllocatorTest {

  private final ChannelConfig config = new EmbeddedChannel().config();

  /** One read burst: a read of {@code bytes} into a buffer of the handle's guess, then the burst's end. */
  private static void burst(RecvByteBufAllocator.Handle h, ChannelConfig config, int bytes) {
    h.reset(config);
    h.attemptedBytesRead(h.guess());
    h.lastBytesRead(Math.min(bytes, h.guess()));
    h.incMessagesRead(1);
    h.readComplete();
  }

  @Test
  void aReadThatFillsTheBufferQuadruplesItUpTo64Kb() {
    RecvByteBufAllocator.Handle h = CompactRecvAllocator.SHARED.newHandle();
    assertEquals(2048, h.guess());
    burst(h, config, 1 << 20);
    assertEquals(8192, h.guess());
    burst(h, config, 1 << 20);
    assertEquals(32768, h.guess());
    burst(h, config, 1 << 20);
    burst(h, config, 1 << 20);
    assertEquals(65536, h.guess());
  }

  @Test
  void twoSmallBurstsInARowHalveItDownTo512Bytes() {
    RecvByteBufAllocator.Handle h = CompactRecvAllocator.SHARED.newHandle();
    burst(h, config, 100);
    assertEquals(2048, h.guess(), "one small burst is not yet a trend");
    burst(h, config, 100);
    assertEquals(1024, h.guess());
    burst(h, config, 1000); // more than half of 1024: stays, and the count starts over
    burst(h, config, 100);
    assertEquals(1024, h.guess());
    for (int i = 0; i < 40; i++) {
      burst(h, config, 10);
    }
    assertEquals(512, h.guess());
  }

  @Test
  void aWakeUpReadsUpTo16TimesAsNettyLetsSocketChannels() {
    assertEquals(16, CompactRecvAllocator.SHARED.maxMessagesPerRead());
    assertEquals(16, new io.netty.channel.socket.nio.NioSocketChannel().metadata().defaultMaxMessagesPerRead());
  }

  @Test
  void eachConnectionHasItsOwnSize() {
    RecvByteBufAllocator.Handle bulk = CompactRecvAllocator.SHARED.newHandle();
    RecvByteBufAllocator.Handle idle = CompactRecvAllocator.SHARED.newHandle();
    burst(bulk, config, 1 << 20);
    assertEquals(8192, bulk.guess());
    assertEquals(2048, idle.guess());
  }
}
