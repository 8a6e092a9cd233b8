package io.gatehouse.http;

import io.netty.util.NetUtil;

/**
 * The client side of a connection as the proxy needs it: address text (sticky key, headers), its hash (SOURCE_IP),
 * its port, the subject of a verified client certificate (mutual TLS), else null, the address's bytes (checked
 * against {@code trusted_proxies}), the connection's byte counts, and for HTTPS the TLS version and cipher suite it
 * agreed (null on plain HTTP), for the access log. With {@code accept_proxy_protocol} the address is the one the
 * PROXY header named: the L4 proxy that sent it is not the peer, as it is transparent.
 */
public record Peer(String ip, long hash, int port, String certSubject, byte[] address, WireBytes wire,
    String tlsVersion, String tlsCipher) {

  /** A peer whose connection's bytes are not counted on the wire (tests that run exchanges on a bare server). */
  public Peer(String ip, long hash, int port, String certSubject) {
    this(ip, hash, port, certSubject, NetUtil.createByteArrayFromIpAddressString(ip), WireBytes.detached(), null,
        null);
  }

  /**
   * {@code ip:port} ({@code [ip]:port} for IPv6), for logs: made when a log line asks for it rather than held by
   * every connection, idle ones included.
   */
  public String display() {
    return hostPort(ip, port);
  }

  /** {@code ip:port}, or {@code [ip]:port} for an IPv6 address. */
  public static String hostPort(String ip, int port) {
    return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
  }
}
