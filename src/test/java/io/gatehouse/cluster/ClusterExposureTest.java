package io.gatehouse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import io.gatehouse.config.GatehouseConfig.ClusterConfig;
import java.io.IOException;
import java.nio.file.Files;
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
  /** Hazelcast binds the wildcard address by default: a cluster "on loopback" took members from every network. */
  @Test
  void theMemberPortIsBoundToTheMemberAddressUnlessTheFileAsksForEveryInterface() throws IOException {
    Config c = resolved(Path.of("cluster/hazelcast.xml"), Map.of());
    assertEquals("false", c.getProperty("hazelcast.socket.bind.any"));
    assertEquals("false", c.getProperty("hazelcast.socket.server.bind.any"));
    Config any = resolved(withProperty("hazelcast.socket.bind.any", "true"), Map.of());
    assertEquals(List.of("every interface (hazelcast.socket.bind.any)"), MemberAllowList.beyondLoopback(any));
    assertTrue(ClusterBootstrap.unprotected(MemberAllowList.beyondLoopback(any), NO_SECRET)
        .startsWith("config error: $.cluster.secret: required"));
  }

  /** Through Jet or user code deployment a member runs code on the others: a stranger's member would too. */
  @Test
  void aFileThatEnablesJetOrUserCodeDeploymentIsRefused() throws IOException {
    for (String section : List.of("<jet enabled=\"true\"/>", "<user-code-deployment enabled=\"true\"/>")) {
      Path file = Files.createTempFile("hazelcast-code", ".xml");
      Files.writeString(file, Files.readString(Path.of("cluster/hazelcast.xml"))
          .replace("</hazelcast>", section + "</hazelcast>"));
      List<String> errors = ClusterBootstrap.check(file, NO_SECRET);
      assertEquals(1, errors.size(), errors.toString());
      assertTrue(errors.get(0).startsWith("cluster error: the Hazelcast configuration enables "
          + section.replace("/>", ">")), errors.get(0));
    }
  }

  private static Path withProperty(String name, String value) throws IOException {
    Path file = Files.createTempFile("hazelcast-property", ".xml");
    Files.writeString(file, Files.readString(Path.of("cluster/hazelcast.xml")).replace("<properties>",
        "<properties><property name=\"" + name + "\">" + value + "</property>"));
    return file;
  }
}
