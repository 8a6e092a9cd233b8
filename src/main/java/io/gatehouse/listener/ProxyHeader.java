package io.gatehouse.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/** The PROXY protocol v2 header sent to a member before the client's bytes, encoded by Netty's codec. */
public final class ProxyHeader {

  private ProxyHeader() {}

  /** The header for a TCP connection from {@code client} to the gateway's {@code local} address. */
  public static ByteBuf v2(InetSocketAddress client, InetSocketAddress local) {
    boolean v4 = client.getAddress() instanceof Inet4Address && local.getAddress() instanceof Inet4Address;
    HAProxyMessage msg = new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
        v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
        v4 ? client.getAddress().getHostAddress() : v6(client), v4 ? local.getAddress().getHostAddress() : v6(local),
        client.getPort(), local.getPort());
    EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    encoder.writeOutbound(msg);
    ByteBuf header = encoder.readOutbound();
    encoder.finishAndReleaseAll();
    return header;
  }

  /** An IPv6 literal; IPv4 addresses are written in their IPv4-mapped form when the other side is IPv6. */
  private static String v6(InetSocketAddress a) {
    String ip = a.getAddress().getHostAddress();
    return a.getAddress() instanceof Inet4Address ? "::ffff:" + ip : ip;
  }
}
