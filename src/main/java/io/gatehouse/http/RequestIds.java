package io.gatehouse.http;

import io.gatehouse.config.ListenerConfig;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Request IDs ({@code insert_headers."X-Request-Id"}) and the random hex they and new trace contexts are made of.
 * A new ID is 128 random bits as 32 lower-case hex digits, from a generator per thread (128 bits of state, seeded
 * once per thread with 112 bits from {@link SecureRandom}): no lock and no system entropy per request. IDs are labels, not
 * secrets; nothing is authorised by one.
 */
public final class RequestIds {

  static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
  /** The longest incoming ID kept: a trusted proxy's (an Envoy UUID is 36, a W3C trace id 32). */
  static final int MAX_LENGTH = 128;

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final SecureRandom SEEDS = new SecureRandom();
  private static final FastThreadLocal<RandomGenerator> RANDOM = new FastThreadLocal<>() {
    @Override
    protected RandomGenerator initialValue() {
      byte[] seed = new byte[16];
      synchronized (SEEDS) {
        SEEDS.nextBytes(seed);
      }
      // the JDK ORs each seed byte into the state sign-extended (RandomSupport.convertSeedBytesToLongs): a negative
      // byte would set every bit above it, leaving some 20 random bits of 128 and IDs that start ffffff. Seven
      // random bits a byte (112 in all) reach the state whole.
      for (int i = 0; i < seed.length; i++) {
        seed[i] &= 0x7f;
      }
      return RandomGeneratorFactory.of("Xoroshiro128PlusPlus").create(seed);
    }
  };

  private RequestIds() {}

  /** The ID of a request to a listener: null when its {@code insert_headers} gives none. */
  public static String of(ListenerConfig cfg, HttpServerRequest req, Peer peer) {
    return cfg.insertHeaders().xRequestId() ? of(req.headers(), cfg.forwardsFor(peer.address())) : null;
  }

  /** Puts the request's ID, unless null, on an answer of the gateway's own. */
  public static void tag(HttpServerResponse resp, String id) {
    if (id != null) {
      resp.putHeader(X_REQUEST_ID, id);
    }
  }

  /**
   * The request's ID: the one a trusted peer sent when there is exactly one and it is {@link #sane}, else a new
   * one (an untrusted client's is replaced: it could reuse another request's ID to confuse the logs).
   */
  static String of(MultiMap incoming, boolean trusted) {
    if (trusted) {
      List<String> sent = incoming.getAll(X_REQUEST_ID);
      if (sent.size() == 1 && sane(sent.get(0))) {
        return sent.get(0);
      }
    }
    return hex(2);
  }

  /** Bounded and one token of visible ASCII: safe in a header and a log line. */
  static boolean sane(String id) {
    if (id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** {@code longs} random longs as 16 hex digits each, never all zeros (W3C forbids all-zero trace and span ids). */
  static String hex(int longs) {
    RandomGenerator random = RANDOM.get();
    char[] out = new char[16 * longs];
    long any = 0;
    for (int i = 0; i < longs; i++) {
      long v = random.nextLong();
      any |= v;
      for (int d = 15; d >= 0; d--) {
        out[i * 16 + d] = HEX[(int) (v & 0xf)];
        v >>>= 4;
      }
    }
    if (any == 0) {
      out[out.length - 1] = '1';
    }
    return new String(out);
  }
}
