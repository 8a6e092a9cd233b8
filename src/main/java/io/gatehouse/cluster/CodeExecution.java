package io.gatehouse.cluster;

import com.hazelcast.config.Config;
import java.util.ArrayList;
import java.util.List;

/**
 * The Hazelcast features through which one member runs code or reads files on another: the Jet engine (a job's
 * sources and sinks, such as files, run on every member, built from Hazelcast's own classes, which the serialization
 * allow-list lets through) and user code deployment (classes shipped by a member). Hazelcast OS admits any member
 * that knows the cluster name, so a gateway node refuses a file that turns them on, as it refuses a client endpoint.
 */
final class CodeExecution {

  private CodeExecution() {
  }

  /** Throws a {@code cluster error:} line naming every such feature {@code config} enables. */
  static void refuse(Config config) {
    List<String> on = new ArrayList<>();
    if (config.getJetConfig().isEnabled()) {
      on.add("<jet enabled=\"true\">");
    }
    if (config.getUserCodeDeploymentConfig().isEnabled()) {
      on.add("<user-code-deployment enabled=\"true\">");
    }
    if (!on.isEmpty()) {
      throw new IllegalArgumentException("cluster error: the Hazelcast configuration enables " + String.join(", ", on)
          + ": any member that knows the cluster name could then run code or read files on this node (Hazelcast"
          + " open source cannot authenticate members); remove it");
    }
  }
}
