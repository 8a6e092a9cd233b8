package io.gatehouse.vertx;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import io.vertx.core.internal.buffer.BufferInternal;

/** Vert.x buffers as the Netty buffers they wrap: bytes pass between the two sides without a copy. */
public final class Buffers {

  private Buffers() {}

  /** The Netty buffer a Vert.x buffer wraps (not a copy). */
  public static ByteBuf byteBuf(Buffer buffer) {
    return ((BufferInternal) buffer).getByteBuf();
  }

  /** A Vert.x buffer wrapping {@code buf} (not a copy). */
  public static Buffer wrap(ByteBuf buf) {
    return BufferInternal.buffer(buf);
  }

  /** A heap copy of the readable bytes of {@code content}, as a Vert.x buffer; the original stays untouched. */
  public static Buffer heapCopy(ByteBuf content) {
    int n = content.readableBytes();
    return wrap(VertxByteBufAllocator.DEFAULT.heapBuffer(n, n).writeBytes(content, content.readerIndex(), n));
  }
}
