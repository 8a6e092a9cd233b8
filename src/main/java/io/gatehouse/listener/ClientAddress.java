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
   * since one host commonly holds a whole /64. An IPv4 client seen through IPv6 (mapped {@code ::ffff:a.b.c.d}, as
   * a dual-stack proxy names it in a PROXY header, or the NAT64 prefix {@code 64:ff9b::/96}) is the IPv4 client it
   * is: one /64 holds every IPv4 address. IPv4 keys sit under ff00::/8 (multicast), a prefix no client connects
   * from; an IPv6 "client" in it (only a PROXY header can name one) gets one shared key that is no IPv4 key.
   */
  public long tableKey() {
    return tableKey(bytes);
  }

  static long tableKey(byte[] address) {
    if (address.length == 4) {
      return ipv4Key(address, 0);
    }
    if (hasPrefix(address, V4_MAPPED) || hasPrefix(address, NAT64)) {
      return ipv4Key(address, 12);
    }
    long key = 0;
    for (int i = 0; i < 8; i++) {
      key = key << 8 | (address[i] & 0xFF);
    }
    return (key >>> 56) == 0xFF ? MULTICAST_KEY : key;
  }

  private static long ipv4Key(byte[] address, int from) {
    long key = 0;
    for (int i = from; i < from + 4; i++) {
      key = key << 8 | (address[i] & 0xFF);
    }
    return IPV4_PREFIX | key;
  }

  /** Whether the first 12 bytes of an IPv6 address are {@code prefix}. */
  private static boolean hasPrefix(byte[] address, byte[] prefix) {
    return Arrays.equals(address, 0, 12, prefix, 0, 12);
  }

  private static final long IPV4_PREFIX = 0xFF00_0000_0000_0000L;
  /** ff ff ...: under ff00::/8 but never under IPV4_PREFIX's ff00:0000::/32. */
  private static final long MULTICAST_KEY = -1L;
  private static final byte[] V4_MAPPED = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF};
  private static final byte[] NAT64 = {0, 0x64, (byte) 0xFF, (byte) 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};

  @Override
  public String toString() {
    return io.gatehouse.http.Peer.hostPort(ip, port);
  }
}
