package io.gatehouse.listener;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.tls.QuicTls;
import io.gatehouse.vertx.Channels;
import io.gatehouse.vertx.Contexts;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.http3.Http3SettingIdentifier;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The network side of a QUIC listener: one UDP socket on the listener instance's event loop, Netty's QUIC codec
 * with the listener's certificates (ALPN h3), HTTP/3 on each connection, and each request stream handed to
 * {@link Streams} (the HTTP listener's request path). The ACL drops a refused client's datagrams before QUIC sees
 * them (nothing is sent back); the connection limits are applied as a connection starts (refused: closed).
 * Connection migration and 0-RTT are off. Each connection takes at most {@link #MAX_STREAMS} concurrent request
 * streams and flow-control windows of fixed size: a paused request (its member not keeping up) stops extending the
 * client's window. Event-loop confined.
 */
final class QuicFrontDoor {

  /** Concurrent request streams a client may open on one connection, as HTTP/2 servers commonly allow. */
  static final int MAX_STREAMS = 100;
  /** What a client may send on one stream, and on one connection, before the gateway has passed it on. */
  private static final long STREAM_WINDOW = 1024 * 1024;
  private static final long CONNECTION_WINDOW = 8 * STREAM_WINDOW;
  private static final int SOCKET_BUFFER = 4 * 1024 * 1024;

  /** What the listener does with a request stream of an admitted connection. */
  interface Streams {
    void opened(QuicStreamChannel stream, QuicChannel connection, ClientAddress client);
  }

  private final ListenerState state;
  private final Vertx vertx;
  private final Context context;
  private final Streams streams;
  /** Open connections, each with its count of open request streams. */
  private final Map<QuicChannel, int[]> connections = new HashMap<>();
  private QuicTls tls;
  private DatagramChannel channel;
  private boolean draining;

  QuicFrontDoor(ListenerState state, Vertx vertx, Context context, Streams streams) {
    this.state = state;
    this.vertx = vertx;
    this.context = context;
    this.streams = streams;
  }

  /** Reads the certificates (on a worker) and binds. */
  Future<Void> start() {
    ListenerConfig cfg = state.config();
    return vertx.executeBlocking(() -> QuicTls.load(cfg.tls())).compose(loaded -> {
      tls = loaded;
      // a replaced certificate file or tls object: new handshakes get it, open connections keep theirs
      state.addOwnTlsServer(next -> vertx.executeBlocking(() -> {
        tls.update(next.config());
        return true;
      }));
      state.onReleasePort(this::closeSocket);
      return bind(cfg);
    });
  }

  private Future<Void> bind(ListenerConfig cfg) {
    channel = Channels.datagramChannel(vertx, cfg.host().contains(":"));
    channel.config().setReceiveBufferSize(SOCKET_BUFFER).setSendBufferSize(SOCKET_BUFFER);
    Channels.reusePort(channel); // a replacement on the same port binds beside this socket before it closes
    channel.pipeline().addLast(new AclDatagrams(), codec(cfg));
    return DatagramSockets.bind(Contexts.eventLoop(context).register(channel), channel,
        new InetSocketAddress(cfg.host(), cfg.protocolPort()));
  }

  private io.netty.channel.ChannelHandler codec(ListenerConfig cfg) {
    long maxFieldSection = cfg.headLimits().maxHeaderSize();
    return Http3.newQuicServerCodecBuilder()
        .sslContext(tls.context())
        // client_timeout: a connection with nothing to say for that long is closed (QUIC's own idle timeout)
        .maxIdleTimeout(cfg.clientTimeout().toMillis(), TimeUnit.MILLISECONDS)
        // a client's new address would be trusted before the ACL saw it: migration stays off
        .activeMigration(false)
        .initialMaxData(CONNECTION_WINDOW)
        .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW)
        .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW)
        .initialMaxStreamsBidirectional(MAX_STREAMS)
        .tokenHandler(null) // no Retry round trip: QUIC's anti-amplification limit bounds what a spoofed client gets
        .handler(new ChannelInitializer<QuicChannel>() {
          @Override
          protected void initChannel(QuicChannel connection) {
            connected(connection, maxFieldSection);
          }
        })
        .build();
  }

  /** A new QUIC connection: admitted under the limits in force, then spoken to in HTTP/3. */
  private void connected(QuicChannel connection, long maxFieldSection) {
    ClientAddress client = ClientAddress.of(connection.remoteSocketAddress());
    if (draining || state.admit(client, connection) != null) {
      connection.close();
      return;
    }
    // the head size limit, announced in SETTINGS: HTTP/3's decoder refuses a larger head
    DefaultHttp3SettingsFrame settings = new DefaultHttp3SettingsFrame();
    settings.put(Http3SettingIdentifier.HTTP3_SETTINGS_MAX_FIELD_SECTION_SIZE.id(), maxFieldSection);
    int[] open = new int[1];
    connections.put(connection, open);
    connection.closeFuture().addListener(f -> connections.remove(connection));
    var requests = new Http3ServerConnectionHandler(new ChannelInitializer<QuicStreamChannel>() {
      @Override
      protected void initChannel(QuicStreamChannel stream) {
        open[0]++;
        stream.closeFuture().addListener(f -> open[0]--);
        streams.opened(stream, connection, client);
      }
    }, null, null, settings, true);
    connection.pipeline().addLast(Http3StreamGuard.STREAMS, requests);
  }

  /**
   * Stops taking new connections at once; open ones finish their requests, for up to {@code drainMillis}: each is
   * closed once it has no request stream open. Then the socket closes.
   */
  Future<Void> stop(long drainMillis) {
    if (channel == null || !channel.isOpen()) {
      return Future.succeededFuture(); // never bound, or the port went to a replacement
    }
    draining = true;
    Promise<Void> drained = Promise.promise();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
    long poll = vertx.setPeriodic(50, id -> {
      for (Map.Entry<QuicChannel, int[]> c : List.copyOf(connections.entrySet())) {
        if (c.getValue()[0] == 0) {
          c.getKey().close(); // removes itself from the map
        }
      }
      if (connections.isEmpty() || System.nanoTime() - deadline >= 0) {
        drained.tryComplete();
      }
    });
    return drained.future().eventually(() -> {
      vertx.cancelTimer(poll);
      return closeSocket();
    });
  }

  private Future<Void> closeSocket() {
    Promise<Void> closed = Promise.promise();
    for (QuicChannel c : List.copyOf(connections.keySet())) {
      c.close();
    }
    channel.close().addListener(c -> closed.tryComplete());
    return closed.future();
  }

  /** Drops the datagrams of clients the ACL refuses, ahead of the QUIC codec; counts each connection attempt. */
  private final class AclDatagrams extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof DatagramPacket p && (draining || state.config().ipGroup() != null)) {
        boolean initial = isInitial(p);
        // draining: new connections are not taken, and not answered either (as a closed TCP port would not be)
        if (draining && initial || state.aclRefuses(p.sender().getAddress().getAddress(), initial)) {
          p.release();
          return;
        }
      }
      ctx.fireChannelRead(msg);
    }

    /** A QUIC v1 Initial packet: long header, type 0, the start of a connection attempt. */
    private static boolean isInitial(DatagramPacket p) {
      var content = p.content();
      return content.isReadable() && (content.getByte(content.readerIndex()) & 0xF0) == 0xC0;
    }
  }
}
