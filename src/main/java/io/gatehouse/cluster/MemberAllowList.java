package io.gatehouse.cluster;

import com.hazelcast.cluster.Address;
import com.hazelcast.config.Config;
import com.hazelcast.config.InterfacesConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.config.TcpIpConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The addresses the TCP-IP member list names ({@code GATEHOUSE_CLUSTER_MEMBERS}): {@code host}, {@code host:port},
 * {@code [v6]:port} and last-octet ranges such as {@code 10.0.0.1-3}, as Hazelcast reads them. Host names are
 * resolved once, at join. Without a TCP-IP list every address is allowed.
 */
final class MemberAllowList {

  private static final Logger LOG = Logger.getLogger(MemberAllowList.class.getName());
  /** A listed entry: one address, and a port or -1 for any (Hazelcast then tries a few ports from its own). */
  private record Entry(InetAddress address, int port) {}

  private final List<Entry> entries;
  private final String text;

  private MemberAllowList(List<Entry> entries, String text) {
    this.entries = List.copyOf(entries);
    this.text = text;
  }

  static MemberAllowList of(Config config) {
    TcpIpConfig tcp = MemberOnlyNetwork.join(config).getTcpIpConfig();
    if (!tcp.isEnabled() || tcp.getMembers().isEmpty()) {
      return new MemberAllowList(List.of(), null);
    }
    return parse(String.join(",", tcp.getMembers()));
  }

  static MemberAllowList parse(String members) {
    List<Entry> entries = new ArrayList<>();
    for (String item : members.trim().split("[,;\\s]+")) {
      if (item.isEmpty()) {
        continue;
      }
      try {
        entries.addAll(entries(item));
      } catch (RuntimeException e) {
        LOG.warning("cluster: member list entry " + item + " is not host, host:port or [v6]:port; ignored");
      }
    }
    return new MemberAllowList(entries, members.trim());
  }

  /**
   * What a configuration (after {@link MemberOnlyNetwork#apply}) binds or joins beyond loopback: interfaces, the
   * public address, members of the TCP-IP list, multicast or discovery. Empty when everything stays on loopback.
   */
  static List<String> beyondLoopback(Config config) {
    List<String> out = new ArrayList<>();
    ServerSocketEndpointConfig member = MemberOnlyNetwork.memberEndpoint(config);
    String local = property(config, "hazelcast.local.localAddress");
    InterfacesConfig interfaces = member == null ? null : member.getInterfaces();
    if (MemberOnlyNetwork.bindsAny(config)) {
      out.add("every interface (hazelcast.socket.bind.any)");
    } else if (local != null) {
      addUnlessLoopback(out, local);
    } else if (interfaces == null || !interfaces.isEnabled() || interfaces.getInterfaces().isEmpty()) {
      out.add("every interface (no <interfaces> given)");
    } else {
      interfaces.getInterfaces().forEach(i -> addUnlessLoopback(out, i));
    }
    if (member != null && member.getPublicAddress() != null) {
      addUnlessLoopback(out, member.getPublicAddress().replaceFirst(":\\d+$", ""));
    }
    String publicAddress = property(config, "hazelcast.local.publicAddress");
    if (publicAddress != null) {
      addUnlessLoopback(out, publicAddress.replaceFirst(":\\d+$", ""));
    }
    JoinConfig join = MemberOnlyNetwork.join(config);
    if (join.getMulticastConfig().isEnabled()) {
      out.add("multicast");
    }
    if (join.getAutoDetectionConfig().isEnabled() || !join.getDiscoveryConfig().getDiscoveryStrategyConfigs().isEmpty()) {
      out.add("discovery");
    }
    MemberAllowList listed = of(config);
    listed.entries.stream().filter(e -> !e.address().isLoopbackAddress())
        .forEach(e -> out.add(e.address().getHostAddress() + (e.port() < 0 ? "" : ":" + e.port())));
    return out.stream().distinct().toList();
  }

  /** A Hazelcast property as Hazelcast reads it: the file's, else the JVM's (-D, e.g. in JAVA_OPTS). */
  private static String property(Config config, String name) {
    String v = config.getProperty(name);
    return v != null ? v : System.getProperty(name);
  }

  private static void addUnlessLoopback(List<String> out, String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    // an interface pattern such as 127.0.0.* stays on loopback; 10.5.0.* does not
    boolean loopback = h.matches("127(\\.(\\d{1,3}|\\*|\\d{1,3}-\\d{1,3})){3}");
    if (!loopback && !h.contains("*") && !h.contains("-")) {
      try {
        loopback = InetAddress.getByName(h).isLoopbackAddress();
      } catch (UnknownHostException e) {
        loopback = false;
      }
    }
    if (!loopback) {
      out.add(host);
    }
  }

  /** Whether any member list applies. */
  boolean restricts() {
    return text != null;
  }

  boolean allows(Address member) {
    if (!restricts()) {
      return true;
    }
    InetAddress ip;
    try {
      ip = member.getInetAddress();
    } catch (UnknownHostException e) {
      return false;
    }
    return entries.stream().anyMatch(e -> e.address().equals(ip) && (e.port() < 0 || e.port() == member.getPort()));
  }

  @Override
  public String toString() {
    return text == null ? "(any)" : text;
  }

  private static List<Entry> entries(String item) {
    String host = item;
    int port = -1;
    if (item.startsWith("[")) {
      int close = item.indexOf(']');
      host = item.substring(1, close);
      port = item.startsWith(":", close + 1) ? Integer.parseInt(item.substring(close + 2)) : -1;
    } else if (item.indexOf(':') == item.lastIndexOf(':') && item.indexOf(':') > 0) {
      host = item.substring(0, item.indexOf(':'));
      port = Integer.parseInt(item.substring(item.indexOf(':') + 1));
    }
    List<Entry> out = new ArrayList<>();
    for (String h : expandRange(host)) {
      try {
        for (InetAddress a : InetAddress.getAllByName(h)) {
          out.add(new Entry(a, port));
        }
      } catch (UnknownHostException e) {
        // as for Hazelcast itself, a name that does not resolve names no member
        LOG.warning("cluster: member list entry " + h + " does not resolve: " + e.getMessage());
      }
    }
    return out;
  }

  /** {@code 10.0.0.1-3} is 10.0.0.1, 10.0.0.2 and 10.0.0.3. */
  private static List<String> expandRange(String host) {
    int dash = host.lastIndexOf('-');
    int dot = host.lastIndexOf('.');
    if (dash < dot || dot < 0 || !host.substring(dot + 1).matches("\\d{1,3}-\\d{1,3}")) {
      return List.of(host);
    }
    int from = Integer.parseInt(host.substring(dot + 1, dash));
    int to = Integer.parseInt(host.substring(dash + 1));
    List<String> out = new ArrayList<>();
    for (int i = from; i <= Math.min(to, 255); i++) {
      out.add(host.substring(0, dot + 1) + i);
    }
    return out;
  }
}
