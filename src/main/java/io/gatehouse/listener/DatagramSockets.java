package io.gatehouse.listener;

import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DatagramChannel;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.InetSocketAddress;

/** The listening sockets of UDP-based listeners (UDP, QUIC): bound once registered on their event loop. */
final class DatagramSockets {

  private DatagramSockets() {}

  /** Binds {@code channel} to {@code address} once {@code registration} succeeds; fails with either's cause. */
  static Future<Void> bind(ChannelFuture registration, DatagramChannel channel, InetSocketAddress address) {
    Promise<Void> bound = Promise.promise();
    registration.addListener(r -> {
      if (!r.isSuccess()) {
        bound.fail(r.cause());
        return;
      }
      channel.bind(address)
          .addListener(b -> bound.handle(b.isSuccess() ? Future.succeededFuture() : Future.failedFuture(b.cause())));
    });
    return bound.future();
  }
}
