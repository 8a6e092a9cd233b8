package io.gatehouse.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * The live nodes of a Hazelcast cluster by their {@code node.name} (a member attribute set at join). Kept
 * current by membership events, which only swap the list and hand the change on: whoever listens posts it to
 * its own context.
 */
final class HazelcastView implements ClusterView, MembershipListener {

  static final String NODE_ATTRIBUTE = "gatehouse.node";
  private static final Logger LOG = Logger.getLogger(HazelcastView.class.getName());

  private final HazelcastInstance hz;
  private final String nodeName;
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
  private final UUID registration;
  private volatile List<String> members;

  HazelcastView(HazelcastInstance hz, String nodeName) {
    this.hz = hz;
    this.nodeName = nodeName;
    this.members = names();
    this.registration = hz.getCluster().addMembershipListener(this);
    this.members = names();
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
    members = names();
    LOG.info("cluster: node " + event.getMember().getAttribute(NODE_ATTRIBUTE) + " " + what + "; members " + members);
    changeListeners.forEach(Runnable::run);
  }

  void close() {
    hz.getCluster().removeMembershipListener(registration);
  }

  private List<String> names() {
    return hz.getCluster().getMembers().stream()
        .map(HazelcastView::nameOf)
        .filter(Objects::nonNull)
        .sorted()
        .toList();
  }

  private static String nameOf(Member m) {
    String name = m.getAttribute(NODE_ATTRIBUTE);
    return name != null ? name : m.getUuid().toString();
  }
}
