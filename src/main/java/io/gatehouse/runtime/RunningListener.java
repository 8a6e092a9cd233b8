package io.gatehouse.runtime;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.tls.CertificateWatcher;
import io.gatehouse.tls.OcspRefresher;
import io.gatehouse.tls.ServedCertificate;
import io.gatehouse.tls.ServerTls;
import io.gatehouse.vertx.SharedServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;

/**
 * A deployed listener: its shared state, the deployment of its instances (one per event loop, or one for UDP)
 * and the watcher of its certificate files. Runtime context only.
 */
final class RunningListener {

  private static final Logger LOG = Logger.getLogger(RunningListener.class.getName());

  private final ListenerState state;
  /** The Vert.x it is deployed on (UDP listeners may have their own). */
  private final Vertx vertx;
  private final String deploymentId;
  /** Where this listener was bound beside one it replaces on the same port, else null. */
  private final SharedServers.Handover handover;
  /** A UDP listener bound beside another one's socket: that listener, whose socket it takes over; else null. */
  private final RunningListener udpHolder;
  private CertificateWatcher certificates;
  private OcspRefresher ocsp;

  RunningListener(ListenerState state, Vertx vertx, String deploymentId, SharedServers.Handover handover,
      RunningListener udpHolder) {
    this.state = state;
    this.vertx = vertx;
    this.deploymentId = deploymentId;
    this.handover = handover;
    this.udpHolder = udpHolder;
  }

  /**
   * Closes the listening socket this listener was bound beside (at once when there is none): from then on new
   * connections to the port reach this listener only.
   */
  Future<Void> takeOverPort() {
    if (udpHolder != null) {
      return udpHolder.state().releasePort();
    }
    return handover == null ? Future.succeededFuture() : handover.closeOld();
  }

  /** Never swapped in: closes this listener's socket, leaving the port to the one it was bound beside. */
  Future<Void> leavePort() {
    return handover == null ? Future.succeededFuture() : handover.abandon();
  }

  ListenerState state() {
    return state;
  }

  String name() {
    return state.name();
  }

  /**
   * Watches the listener's certificate, key and CA files every {@code periodMs} (0: never): a good replacement
   * reaches new handshakes on every instance, a broken one, or one an instance refuses, is logged, counted and
   * shown per file while the running certificate stays.
   */
  void watchCertificates(Vertx vertx, long periodMs) {
    stopWatching();
    ListenerConfig l = state.config();
    if (l.tls() == null || periodMs == 0) {
      return;
    }
    certificates = new CertificateWatcher(vertx, l.name(), l.tls(), l.clientTimeout(),
        new CertificateWatcher.Changes() {
          @Override
          public void loaded(ServerTls next, List<Path> changed) {
            state.updateTls(next)
                .onSuccess(v -> {
                  state.certificatesReloaded();
                  LOG.info("listener " + l.name() + ": new certificate in use for new handshakes");
                })
                .onFailure(e -> {
                  LOG.warning("tls: listener " + l.name() + ": new certificate not applied, the running one stays: "
                      + e.getMessage());
                  state.certificateReloadFailed(concerned(changed), String.valueOf(e.getMessage()));
                });
          }

          @Override
          public void refused(String problem, List<Path> changed) {
            state.certificateReloadFailed(concerned(changed), problem); // the watcher has logged it
          }

          @Override
          public void restored() {
            state.clearCertificateErrors();
          }
        });
    certificates.start(Duration.ofMillis(periodMs));
  }

  /**
   * The served certificates (by file) that changed files concern: a changed certificate or key concerns its
   * pair; a changed client CA, every certificate.
   */
  private List<Path> concerned(List<Path> changed) {
    List<ServedCertificate> served = state.tls().certificates();
    List<Path> pairs = served.stream()
        .filter(c -> changed.contains(c.file()) || changed.contains(c.privateKey()))
        .map(ServedCertificate::file).toList();
    return pairs.isEmpty() ? served.stream().map(ServedCertificate::file).toList() : pairs;
  }

  /**
   * Keeps the OCSP responses of the served certificates fresh while the listener staples ({@code tls.ocsp_stapling}),
   * following every change of its TLS settings (replaced files, a reload). Runtime context.
   */
  void stapleOcsp(Vertx vertx) {
    if (state.tls() == null || ocsp != null) {
      return;
    }
    ocsp = new OcspRefresher(vertx, state.name(), state.ocspFetches());
    state.onTlsChange(ocsp::follow);
    ocsp.follow(state.tls());
  }

  private void stopWatching() {
    if (certificates != null) {
      certificates.stop();
      certificates = null;
    }
  }

  /**
   * Stops accepting at once; each instance's stop lets open connections finish for up to drain_timeout. The
   * future completes when the last instance has stopped.
   */
  Future<Void> drain() {
    state.startDraining();
    stopWatching();
    if (ocsp != null) {
      ocsp.stop();
    }
    ListenerConfig l = state.config();
    LOG.info("listener " + l.name() + ": draining (" + l.protocol() + " " + l.host() + ":" + l.protocolPort() + ")");
    return vertx.undeploy(deploymentId);
  }
}
