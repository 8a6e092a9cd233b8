package io.gatehouse.cluster;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The members that refused this node's join because their cluster name differs (another name, or another
 * {@code cluster.secret}), heard while joining. Hazelcast has no API for it: the joining member only logs a
 * warning (ClusterMismatchOp) and goes on alone. Records are told apart by the instance name in the thread name
 * ({@code hz.<instance>.*}), since several members may log in one JVM.
 */
final class JoinRefusals extends Handler implements AutoCloseable {

  /** Hazelcast 5.3's text: "Node could not join cluster at node: [host]:port Cause: the target cluster has a different cluster-name". */
  private static final String MISMATCH = "different cluster-name";
  private static final String AT = "at node: ";
  private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");

  private final String threadPrefix;
  private final List<String> refusedBy = new CopyOnWriteArrayList<>();

  private JoinRefusals(String instanceName) {
    this.threadPrefix = "hz." + instanceName + ".";
    setLevel(Level.WARNING);
  }

  /** Starts listening for refusals of the Hazelcast instance named {@code instanceName}. */
  static JoinRefusals listen(String instanceName) {
    JoinRefusals r = new JoinRefusals(instanceName);
    HAZELCAST.addHandler(r);
    return r;
  }

  /** The addresses ({@code [host]:port}) that refused this node so far, in order. */
  List<String> refusedBy() {
    return List.copyOf(refusedBy);
  }

  @Override
  public void publish(LogRecord record) {
    String message = record.getMessage();
    if (message == null || !message.contains(MISMATCH) || !Thread.currentThread().getName().startsWith(threadPrefix)) {
      return;
    }
    int at = message.indexOf(AT);
    String who = at < 0 ? "a member" : message.substring(at + AT.length()).split(" ", 2)[0];
    if (!refusedBy.contains(who)) {
      refusedBy.add(who);
    }
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    HAZELCAST.removeHandler(this);
  }
}
