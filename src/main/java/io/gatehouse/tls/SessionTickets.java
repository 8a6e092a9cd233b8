package io.gatehouse.tls;

import io.gatehouse.config.ClusterSecret;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;

/**
 * TLS session tickets on the BoringSSL engine, so that a client resumes (TLS 1.2 tickets, TLS 1.3 PSK) on whichever
 * node it reaches next. Nothing is replicated: every node derives the same keys from the same secret and the hour
 * (HKDF over the secret with "gatehouse tls-ticket v1 hour N"), a new key each hour, the previous two still
 * accepted, so tickets live at most three hours and nodes need clocks that agree within minutes. The secret is
 * {@code cluster.secret} in a cluster, else {@code session_key_file}, else a key made up by this process (tickets
 * then resume on this node only). A cluster without a secret uses the process key too: keys derived from its public
 * name would let anyone read every ticket. The JDK engine gets no tickets (session IDs only).
 */
public final class SessionTickets {

  private static final long HOUR_MILLIS = TimeUnit.HOURS.toMillis(1);
  /** Keys kept: the hour's and the two before it. */
  static final int KEPT = 3;
  /** The lifetime a ticket is issued with: what every key still opens, however late in its hour it sealed. */
  static final int LIFETIME_SECONDS = (int) TimeUnit.HOURS.toSeconds(KEPT - 1);
  private static final ClusterSecret PROCESS_KEY = ClusterSecret.random();

  /** Server contexts that take tickets; weak: a context lives as long as its listener's options. */
  private static final Set<OpenSslSessionContext> CONTEXTS =
      Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private static ClusterSecret secret = PROCESS_KEY;
  private static String keySource = "process";
  private static long hour = currentHour();
  private static OpenSslSessionTicketKey[] keys = keys(secret, hour);

  private SessionTickets() {}

  /**
   * The secret keys derive from: {@code cluster.secret} or {@code session_key_file}, named by {@code source} (the
   * field it came from); null for the process's own.
   */
  public static synchronized void useSecret(ClusterSecret shared, String source) {
    ClusterSecret next = shared != null ? shared : PROCESS_KEY;
    keySource = shared != null ? source : "process";
    if (!next.equals(secret)) {
      secret = next;
      rekey(hour);
    }
  }

  /**
   * Where the keys come from ({@code cluster.secret}, {@code session_key_file} or {@code process}), the name of the
   * key sealing tickets now and since when: nodes that resume each other's tickets show the same name. The name is
   * no secret: every ticket carries it in the clear.
   */
  public record Status(String keys, String keyName, Instant since) {}

  public static synchronized Status status() {
    return new Status(keySource, HexFormat.of().formatHex(keys[0].name(), 0, 8),
        Instant.ofEpochMilli(hour * HOUR_MILLIS));
  }

  /**
   * Moves to the current hour's key when the hour has turned; called every second or so. Forward only: a clock
   * stepped back keeps the newer keys rather than sealing tickets with a key already retired.
   */
  public static synchronized void rotate() {
    long now = currentHour();
    if (now > hour) {
      rekey(now);
    }
  }

  /** Sets the hour whatever the clock says (tests). */
  static synchronized void rotateTo(long epochHour) {
    if (epochHour != hour) {
      rekey(epochHour);
    }
  }

  /**
   * Gives a new server context the current keys, and the later ones as they come; its sessions resume only under
   * {@code scope} ({@link SessionScope}), since every context opens every ticket.
   */
  static synchronized void install(ReferenceCountedOpenSslContext context, byte[] scope) {
    OpenSslSessionContext sessions = context.sessionContext();
    if (!(sessions instanceof OpenSslServerSessionContext server) || !server.setSessionIdContext(scope)) {
      // without its own scope a context would resume sessions of any other: better none than that
      throw new IllegalStateException("TLS: cannot set the session-ID context of a server context");
    }
    // a ticket opens for two to three hours (its key's hour and the two after): promise clients no more than two
    sessions.setSessionTimeout(LIFETIME_SECONDS);
    sessions.setTicketKeys(keys);
    CONTEXTS.add(sessions);
  }

  private static void rekey(long epochHour) {
    hour = epochHour;
    keys = keys(secret, epochHour);
    synchronized (CONTEXTS) {
      CONTEXTS.forEach(c -> c.setTicketKeys(keys));
    }
  }

  /** The hour's key first (it seals new tickets), then the two before it (they still open theirs). */
  static OpenSslSessionTicketKey[] keys(ClusterSecret secret, long epochHour) {
    OpenSslSessionTicketKey[] out = new OpenSslSessionTicketKey[KEPT];
    for (int i = 0; i < KEPT; i++) {
      String purpose = "gatehouse tls-ticket v1 hour " + (epochHour - i);
      byte[] a = secret.derive(purpose + " name+hmac");
      byte[] b = secret.derive(purpose + " aes");
      out[i] = new OpenSslSessionTicketKey(Arrays.copyOfRange(a, 0, OpenSslSessionTicketKey.NAME_SIZE),
          Arrays.copyOfRange(a, OpenSslSessionTicketKey.NAME_SIZE, 32),
          Arrays.copyOf(b, OpenSslSessionTicketKey.AES_KEY_SIZE));
      Arrays.fill(a, (byte) 0);
      Arrays.fill(b, (byte) 0);
    }
    return out;
  }

  static long currentHour() {
    return System.currentTimeMillis() / HOUR_MILLIS;
  }
}
