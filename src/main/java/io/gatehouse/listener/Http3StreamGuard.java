package io.gatehouse.listener;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;

/**
 * First in the pipeline of each QUIC stream a client opens, ahead of Netty's HTTP/3 codec, which holds a frame of a
 * type it does not know until the frame has wholly arrived (a reserved "grease" type announcing 2 GiB is kept in
 * memory as it comes, and every byte read hands the client more flow-control credit), or throws on one that is
 * split across reads. On request streams and the control stream, frames of types HTTP/3 does not define are
 * dropped here as they arrive (RFC 9114 9: they are to be ignored); the others, whose sizes the codec bounds, pass.
 * The client's QPACK encoder stream has nothing to say while the dynamic table is off but a capacity of 0 (the codec
 * would keep an insert's literal until it is whole): anything else, or more than {@link #ENCODER_STREAM_LIMIT} bytes,
 * closes the connection with QPACK_ENCODER_STREAM_ERROR. Event-loop confined.
 */
final class Http3StreamGuard extends ChannelInboundHandlerAdapter {

  /** The highest frame type RFC 9114 defines (MAX_PUSH_ID); the codec answers those it refuses on a stream. */
  private static final long LAST_DEFINED_FRAME = 0x0d;
  private static final long CONTROL_STREAM = 0x00;
  private static final long QPACK_ENCODER_STREAM = 0x02;
  /** What a client may send on its QPACK encoder stream with the dynamic table off: a capacity of 0, and slack. */
  static final int ENCODER_STREAM_LIMIT = 1024;
  private static final byte SET_CAPACITY_ZERO = 0x20;
  private static final int QPACK_ENCODER_STREAM_ERROR = 0x0201;

  private enum Mode { STREAM_TYPE, FRAMES, ENCODER }

  private Mode mode;
  /** A frame header (or a unidirectional stream's type) being read, and how many of its bytes came in earlier reads. */
  private final byte[] header = new byte[16];
  private int headerLength;
  /** Payload bytes of the current frame still to come, and whether they are dropped. */
  private long payloadLeft;
  private boolean dropping;
  private long encoderBytes;

  private Http3StreamGuard(Mode mode) {
    this.mode = mode;
  }

  /** In a QUIC connection's pipeline: puts a guard on each stream the client opens. */
  static final ChannelHandler STREAMS = new Installer();

  @ChannelHandler.Sharable
  private static final class Installer extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof QuicStreamChannel stream && !stream.isLocalCreated()) {
        stream.pipeline().addFirst(
            new Http3StreamGuard(stream.type() == QuicStreamType.BIDIRECTIONAL ? Mode.FRAMES : Mode.STREAM_TYPE));
      }
      ctx.fireChannelRead(msg);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in) || mode == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (mode == Mode.ENCODER) {
      encoderBytes += in.readableBytes();
      if (encoderBytes > ENCODER_STREAM_LIMIT || !onlyZeroCapacity(in)) {
        in.release();
        mode = null;
        ((QuicChannel) ctx.channel().parent()).close(true, QPACK_ENCODER_STREAM_ERROR, Unpooled.EMPTY_BUFFER);
        return;
      }
      ctx.fireChannelRead(in);
      return;
    }
    try {
      read(ctx, in);
    } finally {
      in.release();
    }
  }

  /** Passes on what {@code in} holds but dropped frames, and header bytes held back while incomplete. */
  private void read(ChannelHandlerContext ctx, ByteBuf in) {
    int pass = in.readerIndex(); // the first byte of `in` not passed on yet
    int headerStart = in.readerIndex(); // where the header being read starts in `in` (when held is 0)
    int held = headerLength; // header bytes from earlier reads, not passed on yet
    while (in.isReadable() && (mode == Mode.FRAMES || mode == Mode.STREAM_TYPE)) {
      if (payloadLeft > 0) {
        int n = (int) Math.min(payloadLeft, in.readableBytes());
        if (dropping) {
          passOn(ctx, in, pass, in.readerIndex());
          pass = in.readerIndex() + n;
        }
        in.skipBytes(n);
        payloadLeft -= n;
        continue;
      }
      if (headerLength == 0) {
        headerStart = in.readerIndex();
      }
      header[headerLength++] = in.readByte();
      int typeLength = varintLength(header[0]);
      if (mode == Mode.STREAM_TYPE) {
        if (headerLength == typeLength) {
          long type = varint(0, typeLength);
          passHeld(ctx, held);
          held = 0;
          headerLength = 0;
          mode = type == CONTROL_STREAM ? Mode.FRAMES : type == QPACK_ENCODER_STREAM ? Mode.ENCODER : null;
        }
        continue;
      }
      if (headerLength <= typeLength || headerLength < typeLength + varintLength(header[typeLength])) {
        continue;
      }
      long type = varint(0, typeLength);
      payloadLeft = varint(typeLength, headerLength - typeLength);
      dropping = type > LAST_DEFINED_FRAME;
      if (dropping) {
        passOn(ctx, in, pass, held > 0 ? pass : headerStart); // up to the header, which goes with its frame
        pass = in.readerIndex();
      } else {
        passHeld(ctx, held);
      }
      held = 0;
      headerLength = 0;
    }
    // an incomplete header stays back until its frame is known
    passOn(ctx, in, pass, headerLength == 0 ? in.readerIndex() : held == 0 ? headerStart : pass);
    if (in.isReadable()) {
      channelRead(ctx, in.retainedSlice()); // after a unidirectional stream's type: the rest as that type wants
    }
  }

  /**
   * Whether {@code in} holds nothing but Set Dynamic Table Capacity 0 instructions (RFC 9204 4.3.1), all a client
   * may say on its encoder stream while the dynamic table is off; the codec would keep the literal of an insert.
   */
  private static boolean onlyZeroCapacity(ByteBuf in) {
    for (int i = in.readerIndex(); i < in.writerIndex(); i++) {
      if (in.getByte(i) != SET_CAPACITY_ZERO) {
        return false;
      }
    }
    return true;
  }

  /** Header bytes of earlier reads, held back until their frame was known to pass. */
  private void passHeld(ChannelHandlerContext ctx, int held) {
    if (held > 0) {
      ctx.fireChannelRead(Unpooled.copiedBuffer(header, 0, held));
    }
  }

  private static void passOn(ChannelHandlerContext ctx, ByteBuf in, int from, int to) {
    if (to > from) {
      ctx.fireChannelRead(in.retainedSlice(from, to - from));
    }
  }

  /** The length of a QUIC variable-length integer from its first byte (RFC 9000 16). */
  private static int varintLength(byte first) {
    return 1 << ((first & 0xC0) >>> 6);
  }

  private long varint(int at, int length) {
    long v = header[at] & 0x3F;
    for (int i = 1; i < length; i++) {
      v = (v << 8) | (header[at + i] & 0xFF);
    }
    return v;
  }
}
