package io.gatehouse.tls;

import io.gatehouse.log.Logs;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps a listener's OCSP staples fresh: fetches each certificate's response from its responder over HTTP POST
 * (Vert.x's async client: no thread waits; {@link OcspExchange} bounds its time and size), checks it off the event
 * loop, and refreshes it at half its remaining validity (at most an hour apart). A failed fetch is logged and counted, keeps the last good response (which
 * stops being stapled at its nextUpdate) and is retried after 1 s, doubling up to 5 min. New certificates (a
 * reload, replaced files) are fetched for at once; an unchanged one keeps its response. Runs on the context that
 * made it.
 */
public final class OcspRefresher {

  private static final Logger LOG = Logs.of(OcspRefresher.class);
  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration LAST_RETRY = Duration.ofMinutes(5);
  static final Duration LONGEST_REFRESH = Duration.ofHours(1);
  static final Duration SHORTEST_REFRESH = Duration.ofSeconds(1);
  /** Responses are a few KiB; a bigger body is not one. */
  static final int MAX_BODY = 64 * 1024;
  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int IDLE_TIMEOUT_MS = 10_000;
  /** The whole exchange: a responder that trickles its answer is cut off here. */
  static final Duration FETCH_DEADLINE = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final Context context;
  private final String listener;
  private final OcspFetchCounts counts;
  /** Made with the first fetch: most TLS listeners never staple. */
  private OcspExchange exchange;
  private List<Tracked> tracked = List.of();
  private boolean stopped;

  /** One staple being kept fresh. */
  private static final class Tracked {
    final OcspStaple staple;
    final String label;
    long timer = -1;
    int failures;

    Tracked(OcspStaple staple, String label) {
      this.staple = staple;
      this.label = label;
    }
  }

  public OcspRefresher(Vertx vertx, String listener, OcspFetchCounts counts) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.listener = listener;
    this.counts = counts;
  }

  /** Staples for the certificates {@code tls} serves from now on (those of earlier settings are dropped). */
  public void follow(ServerTls tls) {
    context.runOnContext(v -> swap(tls));
  }

  /** Stops every refresh; fetches under way are ignored when they end. */
  public void stop() {
    context.runOnContext(v -> {
      stopped = true;
      tracked.forEach(this::cancel);
      tracked = List.of();
      if (exchange != null) {
        exchange.close();
      }
    });
  }

  private void swap(ServerTls tls) {
    if (stopped) {
      return;
    }
    List<Tracked> next = new ArrayList<>();
    for (ServedCertificate c : tls.certificates()) {
      OcspStaple staple = c.ocsp();
      if (staple == null) {
        continue;
      }
      if (!staple.stapleable()) {
        LOG.warning("tls: listener " + listener + ": certificate " + c.label() + ": " + staple.unavailable());
        continue;
      }
      Tracked t = new Tracked(staple, c.label());
      next.add(t);
      Tracked older = tracked.stream().filter(o -> o.staple == staple || staple.sameQueryAs(o.staple))
          .findFirst().orElse(null);
      if (older != null && older.staple.answer() != null) {
        staple.adopt(older.staple);
        t.failures = older.failures;
        schedule(t, refreshDelay(staple.answer(), Instant.now()));
      } else {
        fetch(t);
      }
    }
    tracked.forEach(this::cancel);
    tracked = next;
  }

  private void fetch(Tracked t) {
    t.timer = -1;
    OcspQuery query = t.staple.query();
    if (exchange == null) {
      // one request per connection: responders such as openssl ocsp close after each answer
      exchange = new OcspExchange(vertx, vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)
          .setConnectTimeout(CONNECT_TIMEOUT_MS).setIdleTimeout(IDLE_TIMEOUT_MS)
          .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)), MAX_BODY, FETCH_DEADLINE);
    }
    exchange.post(query)
        .compose(body -> vertx.executeBlocking(() -> query.verify(body.getBytes(), Instant.now()), false))
        .onComplete(done -> {
          if (stopped || !tracked.contains(t)) {
            return; // replaced or stopped meanwhile
          }
          if (done.succeeded()) {
            stored(t, done.result());
          } else {
            failed(t, done.cause());
          }
        });
  }

  private void stored(Tracked t, OcspAnswer answer) {
    OcspAnswer before = t.staple.answer();
    boolean news = before == null || t.failures > 0 || !before.status().equals(answer.status());
    t.staple.store(answer);
    t.failures = 0;
    counts.count(t.label, true);
    Duration next = refreshDelay(answer, Instant.now());
    LOG.log(news ? Level.INFO : Level.FINE, () -> "tls: listener " + listener + ": certificate " + t.label
        + ": OCSP response stapled (" + answer.status() + ", next update " + answer.nextUpdate() + ") from "
        + t.staple.query().responder() + "; refreshed in " + next.toSeconds() + " s");
    schedule(t, next);
  }

  private void failed(Tracked t, Throwable cause) {
    String problem = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    t.staple.failed(problem);
    counts.count(t.label, false);
    Duration retry = retryDelay(t.failures++);
    OcspAnswer last = t.staple.answer();
    String serving = last != null && last.staleAt().isAfter(Instant.now())
        ? "the last good response is stapled until " + last.staleAt() : "nothing is stapled";
    LOG.warning("tls: listener " + listener + ": certificate " + t.label + ": OCSP fetch from "
        + t.staple.query().responder() + " failed: " + problem + "; " + serving + "; retry in "
        + retry.toMillis() / 1000.0 + " s");
    schedule(t, retry);
  }

  private void schedule(Tracked t, Duration delay) {
    t.timer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
      if (!stopped && tracked.contains(t)) {
        fetch(t);
      }
    });
  }

  private void cancel(Tracked t) {
    if (t.timer >= 0) {
      vertx.cancelTimer(t.timer);
      t.timer = -1;
    }
  }

  /** Half the time the response has left, between {@link #SHORTEST_REFRESH} and {@link #LONGEST_REFRESH}. */
  static Duration refreshDelay(OcspAnswer answer, Instant now) {
    Duration half = Duration.between(now, answer.staleAt()).dividedBy(2);
    return half.compareTo(SHORTEST_REFRESH) < 0 ? SHORTEST_REFRESH
        : half.compareTo(LONGEST_REFRESH) > 0 ? LONGEST_REFRESH : half;
  }

  /** After {@code failures} failed fetches in a row: 1 s, 2 s, 4 s ... up to {@link #LAST_RETRY}. */
  static Duration retryDelay(int failures) {
    Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(failures, 20));
    return delay.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : delay;
  }
}
