package io.gatehouse.runtime;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.tls.CertificateWatcher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.logging.Logger;

/**
 * A deployed listener: its shared state, the deployment of its instances (one per event loop, or one for UDP)
 * and the watcher of its certificate files. Runtime context only.
 */
public final class RunningListener {

  private static final Logger LOG = Logger.getLogger(RunningListener.class.getName());

  private final ListenerState state;
  private final String deploymentId;
  private CertificateWatcher certificates;

  RunningListener(ListenerState state, String deploymentId, CertificateWatcher certificates) {
    this.state = state;
    this.deploymentId = deploymentId;
    this.certificates = certificates;
  }

  public ListenerState state() {
    return state;
  }

  public String name() {
    return state.config().name();
  }

  void watch(CertificateWatcher next) {
    if (certificates != null) {
      certificates.stop();
    }
    certificates = next;
  }

  /**
   * Stops accepting at once; each instance's stop lets open connections finish for up to drain_timeout. The
   * future completes when the last instance has stopped.
   */
  Future<Void> drain(Vertx vertx) {
    state.startDraining();
    watch(null);
    ListenerConfig l = state.config();
    LOG.info("listener " + l.name() + ": draining (" + l.protocol() + " " + l.host() + ":" + l.protocolPort() + ")");
    return vertx.undeploy(deploymentId);
  }
}
