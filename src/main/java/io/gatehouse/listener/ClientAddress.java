package io.gatehouse.listener;

import io.gatehouse.balance.ClientHash;
import io.gatehouse.config.Cidr;
import io.netty.util.NetUtil;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/** A client's address as the listeners use it: text (sticky key, logs), raw bytes (ACL) and hash (SOURCE_IP). */
public record ClientAddress(String ip, int port, byte[] bytes, long hash) {

  public static ClientAddress of(java.net.SocketAddress remote) {
    InetSocketAddress inet = (InetSocketAddress) remote;
    byte[] bytes = inet.getAddress().getAddress();
    return new ClientAddress(inet.getAddress().getHostAddress(), inet.getPort(), bytes, ClientHash.of(bytes));
  }

  /**
   * From a Vert.x address holding an IP literal (never a DNS look-up). An IPv4-mapped address (a PROXY header's
   * TCP6 {@code ::ffff:a.b.c.d}) is taken as the IPv4 address it is, as the JDK takes a dual-stack socket's peer:
   * one client, one key, one text, whichever way it came.
   */
  public static ClientAddress of(SocketAddress remote) {
    String ip = remote.hostAddress();
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
    if (bytes.length == 16 && Cidr.isV4Mapped(bytes)) {
      bytes = Arrays.copyOfRange(bytes, 12, 16);
      ip = NetUtil.bytesToIpAddress(bytes);
    }
    return new ClientAddress(ip, remote.port(), bytes, ClientHash.of(bytes));
  }

  /**
   * This client's key in the per-client tables ({@code client_connection_limit}, {@code client_request_rate}):
   * exact, not a hash, so that no address can be made to share a victim's entry. IPv4 by /32; IPv6 by /64,
   * since one host commonly holds a whole /64. IPv4 goes under ff00::/8 (multicast), a prefix no client can
   * connect from, so the two never meet.
   */
  public long tableKey() {
    return tableKey(bytes);
  }

  static long tableKey(byte[] address) {
    long key = 0;
    for (int i = 0; i < Math.min(8, address.length); i++) {
      key = key << 8 | (address[i] & 0xFF);
    }
    return address.length == 4 ? IPV4_PREFIX | key : key;
  }

  private static final long IPV4_PREFIX = 0xFF00_0000_0000_0000L;

  @Override
  public String toString() {
    return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
  }
}
