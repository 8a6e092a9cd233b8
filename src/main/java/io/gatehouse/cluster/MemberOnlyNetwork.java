package io.gatehouse.cluster;

import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.ProtocolType;
import java.util.List;

/**
 * Makes a Hazelcast configuration open only a member endpoint. Hazelcast OS has no client authentication: with the
 * plain {@code <network>} section its port also speaks the client protocol, and a client that knows the cluster name
 * reads and writes every map. A plain section becomes an advanced network with one member endpoint (same port,
 * interfaces, join); an advanced network that declares another endpoint (client, REST, memcache, WAN) is refused.
 */
final class MemberOnlyNetwork {

  private MemberOnlyNetwork() {
  }

  /** Rewrites {@code config} in place; throws with a {@code cluster error:} line when it declares other endpoints. */
  static void apply(Config config) {
    bindOnlyTheMemberAddress(config);
    AdvancedNetworkConfig advanced = config.getAdvancedNetworkConfig();
    if (advanced.isEnabled()) {
      List<String> others = advanced.getEndpointConfigs().keySet().stream()
          .filter(q -> q.getType() != ProtocolType.MEMBER)
          .map(q -> q.getType().name().toLowerCase() + (q.getIdentifier() == null ? "" : " " + q.getIdentifier()))
          .sorted().toList();
      if (!others.isEmpty()) {
        throw new IllegalArgumentException("cluster error: the Hazelcast configuration's advanced-network declares "
            + String.join(", ", others) + " endpoint(s): a gateway node opens only the member endpoint (Hazelcast"
            + " open source cannot authenticate clients); remove them");
      }
      return;
    }
    NetworkConfig plain = config.getNetworkConfig();
    ServerSocketEndpointConfig member = new ServerSocketEndpointConfig();
    member.setPort(plain.getPort());
    member.setPortCount(plain.getPortCount());
    member.setPortAutoIncrement(plain.isPortAutoIncrement());
    member.setPublicAddress(plain.getPublicAddress());
    member.setReuseAddress(plain.isReuseAddress());
    member.setInterfaces(plain.getInterfaces());
    member.setOutboundPortDefinitions(plain.getOutboundPortDefinitions());
    member.setOutboundPorts(plain.getOutboundPorts());
    advanced.setEnabled(true);
    advanced.setJoin(plain.getJoin());
    advanced.setMemberAddressProviderConfig(plain.getMemberAddressProviderConfig());
    advanced.setIcmpFailureDetectorConfig(plain.getIcmpFailureDetectorConfig());
    advanced.setMemberEndpointConfig(member);
  }

  /**
   * Hazelcast binds its server socket to the wildcard address by default ({@code hazelcast.socket.bind.any}), whatever
   * {@code <interfaces>} says: a cluster on 127.0.0.1 would accept members from every network. Unless the file says
   * otherwise, it binds the member's own address only.
   */
  private static void bindOnlyTheMemberAddress(Config config) {
    for (String p : BIND_ANY) {
      if (config.getProperty(p) == null) {
        config.setProperty(p, "false");
      }
    }
  }

  /** The properties that make Hazelcast bind the wildcard address (the second overrides the first). */
  static final List<String> BIND_ANY = List.of("hazelcast.socket.bind.any", "hazelcast.socket.server.bind.any");

  /** Whether the file asks for the wildcard address (its own property, not the default this class sets). */
  static boolean bindsAny(Config config) {
    return BIND_ANY.stream().anyMatch(p -> "true".equalsIgnoreCase(String.valueOf(config.getProperty(p)).trim()));
  }

  /** The join section in effect: the advanced network's when enabled, else the plain one's. */
  static JoinConfig join(Config config) {
    AdvancedNetworkConfig advanced = config.getAdvancedNetworkConfig();
    return advanced.isEnabled() ? advanced.getJoin() : config.getNetworkConfig().getJoin();
  }

  /** The member endpoint of an advanced network (after {@link #apply}). */
  static ServerSocketEndpointConfig memberEndpoint(Config config) {
    return (ServerSocketEndpointConfig) config.getAdvancedNetworkConfig().getEndpointConfigs()
        .get(EndpointQualifier.MEMBER);
  }
}
