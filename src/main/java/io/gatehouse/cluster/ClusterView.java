package io.gatehouse.cluster;

import java.util.List;

/**
 * The cluster as the status document and the metrics show it: whether this node is clustered, its name and
 * the names of the live nodes (itself included), sorted. A standalone node reports no members.
 */
public interface ClusterView {

  boolean enabled();

  /** This node's name ({@code node.name}). */
  String nodeName();

  /** The live nodes' names, sorted; empty when standalone. */
  List<String> members();

  /**
   * Live members whose address the TCP-IP member list does not name, as {@code host:port (node)}: Hazelcast OS
   * admits them all the same (they hold the shared state), so they are shown rather than refused.
   */
  default List<String> unexpectedMembers() {
    return List.of();
  }

  /** How many nodes are live ({@code gatehouse_cluster_members}); 0 when standalone. */
  default int size() {
    return members().size();
  }

  static ClusterView standalone(String nodeName) {
    return new ClusterView() {
      @Override
      public boolean enabled() {
        return false;
      }

      @Override
      public String nodeName() {
        return nodeName;
      }

      @Override
      public List<String> members() {
        return List.of();
      }
    };
  }
}
