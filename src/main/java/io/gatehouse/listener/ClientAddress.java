package io.gatehouse.listener;

import io.gatehouse.balance.ClientHash;
import io.netty.util.NetUtil;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;

/** A client's address as the listeners use it: text (sticky key, logs), raw bytes (ACL) and hash (SOURCE_IP). */
public record ClientAddress(String ip, int port, byte[] bytes, long hash) {

  public static ClientAddress of(java.net.SocketAddress remote) {
    InetSocketAddress inet = (InetSocketAddress) remote;
    byte[] bytes = inet.getAddress().getAddress();
    return new ClientAddress(inet.getAddress().getHostAddress(), inet.getPort(), bytes, ClientHash.of(bytes));
  }

  /** From a Vert.x address holding an IP literal (never a DNS look-up). */
  public static ClientAddress of(SocketAddress remote) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(remote.hostAddress());
    return new ClientAddress(remote.hostAddress(), remote.port(), bytes, ClientHash.of(bytes));
  }

  @Override
  public String toString() {
    return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
  }
}
