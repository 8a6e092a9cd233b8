package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The first request ID of a thread is as random as any later one: each event loop's generator is seeded once, so a
 * badly seeded state would give every thread (on every node, after every restart) one of few ID streams.
 */
class RequestIdsSeedTest {

  @Test
  void theFirstIdOfEachFreshThreadIsUniformlyRandom() throws InterruptedException {
    int threads = 200;
    List<String> first = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < threads; i++) {
      // a new thread has a new generator, seeded as an event loop's is
      Thread t = new io.netty.util.concurrent.FastThreadLocalThread(() -> first.add(RequestIds.hex(2)));
      t.start();
      t.join();
    }
    Set<String> distinct = new HashSet<>(first);
    assertEquals(threads, distinct.size(), "each thread's first ID is its own");
    // one in 256 uniform IDs starts "ff"; the sign-extended seed made it most of them
    long ff = first.stream().filter(id -> id.startsWith("ff")).count();
    assertTrue(ff < 10, ff + " of " + threads + " first IDs start ff: " + first.subList(0, 8));
    // and half the bits are ones
    long ones = first.stream().mapToLong(id -> id.chars()
        .map(c -> Integer.bitCount(Character.digit(c, 16))).sum()).sum();
    double share = ones / (threads * 128.0);
    assertTrue(share > 0.47 && share < 0.53, "share of one bits: " + share);
  }
}
