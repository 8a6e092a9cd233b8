package io.gatehouse.http;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.uring.IoUringTcpInfo;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

/**
 * How long ago the kernel last sent a connection's peer data ({@code tcp_info}'s {@code tcpi_last_data_sent}), on
 * the native transports. Epoll's channel has it; Netty 4.2.12's io_uring channel reads the same structure but
 * keeps the call package-private, so it is looked up once here; without it (another Netty) the answer is
 * "unknown", as on NIO.
 */
final class LastDataSent {

  /** {@code io.netty.channel.uring.LinuxSocket#getTcpInfo(IoUringTcpInfo)}, or null. */
  private static final MethodHandle URING_TCP_INFO = uringTcpInfo();

  private LastDataSent() {}

  /** Milliseconds since the kernel last sent the peer data, or -1 when this transport cannot tell. */
  static long millis(Channel channel) {
    if (!channel.isActive()) {
      return -1;
    }
    if (channel instanceof EpollSocketChannel epoll) {
      return epoll.tcpInfo().lastDataSent();
    }
    if (channel instanceof IoUringSocketChannel uring && URING_TCP_INFO != null) {
      IoUringTcpInfo info = new IoUringTcpInfo();
      try {
        URING_TCP_INFO.invoke(uring.fd(), info);
        return info.lastDataSent();
      } catch (Throwable closedMeanwhile) {
        return -1;
      }
    }
    return -1;
  }

  private static MethodHandle uringTcpInfo() {
    try {
      Class<?> socket = Class.forName("io.netty.channel.uring.LinuxSocket");
      Method m = socket.getDeclaredMethod("getTcpInfo", IoUringTcpInfo.class);
      m.setAccessible(true);
      return MethodHandles.lookup().unreflect(m)
          .asType(java.lang.invoke.MethodType.methodType(void.class, Object.class, IoUringTcpInfo.class));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }
}
