package io.gatehouse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import io.gatehouse.config.GatehouseConfig.ClusterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * A secret is required when the cluster binds or joins beyond loopback, as the Hazelcast file and the
 * GATEHOUSE_CLUSTER_* environment resolve it; a plain network section becomes a member-only endpoint with the
 * same port, interfaces and join.
 */
class ClusterExposureTest {

  private static Config resolved(Path file, Map<String, String> env) throws IOException {
    Config c = ClusterBootstrap.load(file, ClusterBootstrap.properties(env, new Properties()));
    ClusterBootstrap.harden(c);
    return c;
  }

  private static final ClusterConfig NO_SECRET = new ClusterConfig(true, null);

  @Test
  void theDefaultsStayOnLoopbackAndNeedNoSecret() throws IOException {
    Config c = resolved(Path.of("cluster/hazelcast.xml"), Map.of());
    assertEquals(List.of(), MemberAllowList.beyondLoopback(c));
    assertNull(ClusterBootstrap.unprotected(MemberAllowList.beyondLoopback(c), NO_SECRET));
  }

  @Test
  void anInterfaceOrMemberBeyondLoopbackNeedsTheSecretUnlessInsecure() throws IOException {
    Config c = resolved(Path.of("cluster/hazelcast.xml"), Map.of("GATEHOUSE_CLUSTER_INTERFACE", "10.5.0.*",
        "GATEHOUSE_CLUSTER_MEMBERS", "10.5.0.11:5701,127.0.0.1:5702"));
    List<String> exposed = MemberAllowList.beyondLoopback(c);
    assertEquals(List.of("10.5.0.*", "10.5.0.11:5701"), exposed);
    String error = ClusterBootstrap.unprotected(exposed, NO_SECRET);
    assertTrue(error.startsWith("config error: $.cluster.secret: required when the cluster binds or joins beyond"
        + " loopback (10.5.0.*, 10.5.0.11:5701)"), error);
    assertNull(ClusterBootstrap.unprotected(exposed, new ClusterConfig(true, null, null, List.of(), true)));
  }

  @Test
  void aPlainNetworkBecomesAMemberOnlyEndpointWithTheSamePortInterfacesAndJoin() throws IOException {
    Config c = resolved(Path.of("src/test/resources/cluster/plain-network.xml"), Map.of("GATEHOUSE_CLUSTER_PORT",
        "5799", "GATEHOUSE_CLUSTER_INTERFACE", "127.0.0.1", "GATEHOUSE_CLUSTER_MEMBERS", "127.0.0.1:5799,10.0.0.7"));
    assertTrue(c.getAdvancedNetworkConfig().isEnabled());
    assertEquals(1, c.getAdvancedNetworkConfig().getEndpointConfigs().size());
    assertEquals(5799, MemberOnlyNetwork.memberEndpoint(c).getPort());
    assertEquals(List.of("127.0.0.1"), List.copyOf(MemberOnlyNetwork.memberEndpoint(c).getInterfaces().getInterfaces()));
    assertEquals(List.of("127.0.0.1:5799", "10.0.0.7"), MemberOnlyNetwork.join(c).getTcpIpConfig().getMembers());
    assertEquals(List.of("10.0.0.7"), MemberAllowList.beyondLoopback(c));
  }
}
