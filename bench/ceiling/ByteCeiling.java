import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.*;
import io.netty.channel.epoll.*;
import java.nio.charset.StandardCharsets;

/**
 * A ceiling test, not a gateway: the least an HTTP/1.1 keep-alive proxy on Netty (epoll, one event loop) can do per
 * request when it forwards heads as bytes. Each client connection gets its own member connection (round robin over
 * the members given); each head is scanned once for its end and line by line, Connection and Keep-Alive lines are
 * dropped, X-Forwarded-For/-Proto lines added, and bodies with a Content-Length pass as slices. No routing, limits,
 * timers, metrics, backpressure or error answers: it measures what the JVM and Netty cost per request on that path,
 * against nginx and HAProxy on the same backends (bench/ceiling/cpu-split.sh, bench/NOTES.md).
 *
 * Run: java -XX:+UseParallelGC -cp target/gatehouse.jar bench/ceiling/ByteCeiling.java PORT MEMBER_PORT...
 */
public final class ByteCeiling {
  static final byte[] XFF = "X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  static int[] members;
  static int next;

  public static void main(String[] a) throws Exception {
    members = new int[a.length - 1];
    for (int i = 1; i < a.length; i++) members[i - 1] = Integer.parseInt(a[i]);
    EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    new ServerBootstrap().group(g).channel(EpollServerSocketChannel.class).option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() { protected void initChannel(Channel ch) { ch.pipeline().addLast(new Front()); } })
        .bind("127.0.0.1", Integer.parseInt(a[0])).sync();
    System.out.println("ready");
  }

  /** Index of the end of the head (after CRLFCRLF) in b from its reader index, or -1. */
  static int headEnd(ByteBuf b) {
    int i = b.forEachByte(b.readerIndex(), b.readableBytes(), new io.netty.util.ByteProcessor() {
      int state;
      public boolean process(byte c) {
        if (c == '\n') { if (++state == 2) return false; } else if (c != '\r') state = 0;
        return true;
      }
    });
    return i < 0 ? -1 : i + 1;
  }

  static boolean nameIs(ByteBuf b, int at, int end, String name) {
    if (end - at <= name.length() || b.getByte(at + name.length()) != ':') return false;
    for (int i = 0; i < name.length(); i++) if ((b.getByte(at + i) | 0x20) != name.charAt(i)) return false;
    return true;
  }

  /** Copies the head's lines but the hop-by-hop ones; returns the Content-Length seen (-1 none). */
  static long copyHead(ByteBuf in, int end, ByteBuf out, boolean request) {
    long length = -1;
    int line = in.readerIndex();
    while (line < end) {
      int eol = in.indexOf(line, end, (byte) '\n') + 1;
      if (eol - line <= 2) break; // the empty line
      if (nameIs(in, line, eol, "connection") || nameIs(in, line, eol, "keep-alive")) {
        // dropped
      } else {
        if (nameIs(in, line, eol, "content-length")) {
          long v = 0; for (int i = line + 15; i < eol; i++) { byte c = in.getByte(i); if (c >= '0' && c <= '9') v = v * 10 + c - '0'; }
          length = v;
        }
        out.writeBytes(in, line, eol - line);
      }
      line = eol;
    }
    if (request) out.writeBytes(XFF); else out.writeBytes(XFF, XFF.length - 2, 2);
    in.readerIndex(end);
    return length;
  }

  static final class Front extends ChannelInboundHandlerAdapter {
    ByteBuf cum;
    Channel member;
    Back back;

    public void channelActive(ChannelHandlerContext ctx) {
      ctx.channel().config().setAutoRead(false);
      back = new Back(ctx.channel());
      new Bootstrap().group(ctx.channel().eventLoop()).channel(EpollSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
          .handler(back).connect("127.0.0.1", members[next++ % members.length]).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) { ctx.close(); return; }
            member = f.channel();
            ctx.channel().config().setAutoRead(true);
          });
    }

    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      if (cum == null) cum = in; else { cum.writeBytes(in); in.release(); }
      int end;
      while ((end = headEnd(cum)) > 0) {
        ByteBuf out = ctx.alloc().buffer(end - cum.readerIndex() + XFF.length);
        copyHead(cum, end, out, true);
        member.writeAndFlush(out, member.voidPromise());
      }
      if (!cum.isReadable()) { cum.release(); cum = null; }
      else if (cum.refCnt() == 1 && !(cum.capacity() > 4096)) { ByteBuf c = ctx.alloc().buffer(4096); c.writeBytes(cum); cum.release(); cum = c; }
    }

    public void channelInactive(ChannelHandlerContext ctx) { if (member != null) member.close(); if (cum != null) cum.release(); }
  }

  static final class Back extends ChannelInboundHandlerAdapter {
    final Channel front;
    ByteBuf cum;
    long bodyLeft;
    Back(Channel front) { this.front = front; }

    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      if (cum == null) cum = in; else { ByteBuf c = ctx.alloc().buffer(cum.readableBytes() + in.readableBytes()); c.writeBytes(cum); c.writeBytes(in); cum.release(); in.release(); cum = c; }
      boolean wrote = false;
      while (cum.isReadable()) {
        if (bodyLeft > 0) {
          int n = (int) Math.min(bodyLeft, cum.readableBytes());
          front.write(cum.readRetainedSlice(n), front.voidPromise());
          bodyLeft -= n; wrote = true;
          continue;
        }
        int end = headEnd(cum);
        if (end < 0) break;
        ByteBuf out = ctx.alloc().buffer(end - cum.readerIndex());
        long len = copyHead(cum, end, out, false);
        front.write(out, front.voidPromise());
        bodyLeft = Math.max(0, len); wrote = true;
      }
      if (wrote) front.flush();
      if (!cum.isReadable()) { cum.release(); cum = null; }
    }

    public void channelInactive(ChannelHandlerContext ctx) { front.close(); if (cum != null) cum.release(); }
  }
}
