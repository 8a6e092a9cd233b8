package io.gatehouse.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import java.util.function.Predicate;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * The live nodes of a Hazelcast cluster by their {@code node.name} (a member attribute set at join). Kept
 * current by membership events, which only swap the list and hand the change on: whoever listens posts it to
 * its own context. Members whose address the TCP-IP member list does not name are logged at SEVERE and listed
 * as unexpected: Hazelcast OS has no way to refuse or remove them (see README, "Cluster security"). A member counts as
 * a node only once it proved it holds the secret (its sealed configuration entry opened here): any member can claim a
 * node name. When the Hazelcast member shuts down under the gateway (a member shut the cluster down, or Hazelcast
 * failed), the view is this node alone, so that it probes every member itself.
 */
final class HazelcastView implements ClusterView, MembershipListener {

  static final String NODE_ATTRIBUTE = "gatehouse.node";
  private static final Logger LOG = Logger.getLogger(HazelcastView.class.getName());

  private final HazelcastInstance hz;
  private final String nodeName;
  private final MemberAllowList allowed;
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
  private final UUID registration;
  private final UUID lifecycleRegistration;
  /** Whether a member claiming {@code name} showed it holds this cluster's secret. */
  private final Predicate<String> proven;
  private volatile boolean detached;
  /** Set once the node serves: a start that fails shuts its member down itself, which is no alarm. */
  private volatile boolean serving;
  private volatile List<String> members;
  private volatile List<String> unexpected = List.of();

  HazelcastView(HazelcastInstance hz, String nodeName, MemberAllowList allowed, Predicate<String> proven) {
    this.hz = hz;
    this.nodeName = nodeName;
    this.allowed = allowed;
    this.proven = proven;
    this.members = names();
    this.registration = hz.getCluster().addMembershipListener(this);
    this.lifecycleRegistration = hz.getLifecycleService().addLifecycleListener(this::lifecycle);
    this.members = names();
    this.unexpected = unexpected();
  }

  @Override
  public boolean enabled() {
    return true;
  }

  @Override
  public String nodeName() {
    return nodeName;
  }

  @Override
  public List<String> members() {
    return members;
  }

  @Override
  public List<String> unexpectedMembers() {
    return unexpected;
  }

  /** Runs {@code r} (on a Hazelcast thread) after each change of the live nodes. */
  void onChange(Runnable r) {
    changeListeners.add(r);
  }

  @Override
  public void memberAdded(MembershipEvent event) {
    changed("joined", event);
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    changed("left", event);
  }

  private void changed(String what, MembershipEvent event) {
    String name = event.getMember().getAttribute(NODE_ATTRIBUTE);
    List<String> now = refresh();
    LOG.info("cluster: node " + name + " " + what + "; members " + now + (name != null && what.equals("joined")
        && !now.contains(name) ? " (" + name + " counts once its sealed configuration entry opens here)" : ""));
  }

  /** A node's sealed configuration entry opened here, or went: the nodes that count may have changed. */
  void entriesChanged() {
    List<String> before = members;
    List<String> now = refresh();
    if (!now.equals(before)) {
      LOG.info("cluster: a node's configuration entry opened or went; members " + now);
    }
  }

  /**
   * Takes the live nodes again (a membership change, or a node's configuration entry opened or went) and hands a
   * change on; returns the nodes.
   */
  synchronized List<String> refresh() {
    List<String> before = members;
    members = names();
    unexpected = unexpected();
    if (!members.equals(before)) {
      changeListeners.forEach(Runnable::run);
    }
    return members;
  }

  /** Hazelcast stopping while the gateway did not ask it to: what the gateway then routes on is its own. */
  private synchronized void lifecycle(LifecycleEvent event) {
    if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN && serving && !detached) {
      detached = true;
      LOG.severe("cluster: the Hazelcast member of node " + nodeName + " is shutting down, not asked to by this node"
          + " (a member shut the cluster down, or Hazelcast failed): this node now routes on its local state alone"
          + " and probes every member itself; restart it to rejoin the cluster");
      members = List.of(nodeName);
      unexpected = List.of();
      changeListeners.forEach(Runnable::run);
    }
  }

  /** The node serves from now on: a shutdown it did not ask for is the alarm above. */
  void serving() {
    serving = true;
  }

  void close() {
    detached = true; // the gateway leaves: no alarm
    hz.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
    hz.getCluster().removeMembershipListener(registration);
  }

  /**
   * The gateway nodes: members that carry a node name. A bare Hazelcast member (anyone's, see README "Cluster
   * security") is no node: counted among the owners it would take members' probing away from every node.
   */
  private List<String> names() {
    if (detached) {
      return List.of(nodeName);
    }
    return hz.getCluster().getMembers().stream()
        .map(m -> (String) m.getAttribute(NODE_ATTRIBUTE))
        .filter(n -> n != null && (n.equals(nodeName) || proven.test(n)))
        .distinct()
        .sorted()
        .toList();
  }

  /** Every member outside the list, {@code host:port (node)}; each newly seen one is logged at SEVERE. */
  private List<String> unexpected() {
    if (detached) {
      return List.of();
    }
    List<String> now = hz.getCluster().getMembers().stream()
        .filter(m -> !allowed.allows(m.getAddress()))
        .map(m -> m.getAddress().getHost() + ":" + m.getAddress().getPort() + " (" + nameOf(m) + ")")
        .sorted()
        .toList();
    now.stream().filter(m -> !unexpected.contains(m)).forEach(m -> LOG.severe("cluster: member " + m
        + " has an address outside the cluster member list " + allowed + "; Hazelcast OS cannot refuse it: it"
        + " holds the shared state. Stop it, or add its address to GATEHOUSE_CLUSTER_MEMBERS on every node"));
    return now;
  }

  private static String nameOf(Member m) {
    String name = m.getAttribute(NODE_ATTRIBUTE);
    return name != null ? name : m.getUuid().toString();
  }
}
