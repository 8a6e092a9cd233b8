package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

/** The random source of request IDs and new trace ids: the whole 128 bits of state seeded, from the first ID on. */
class RequestIdsTest {

  @Test
  void theGeneratorIsXoroshiro128PlusPlus() {
    // bytes below 0x80 are the one seed the JDK's byte[] seeding takes exactly: the same state, the same sequence
    byte[] seed = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    RandomGenerator jdk = RandomGeneratorFactory.of("Xoroshiro128PlusPlus").create(seed);
    RequestIds.Xoroshiro128 ours = new RequestIds.Xoroshiro128(0x0102030405060708L, 0x090a0b0c0d0e0f10L);
    for (int i = 0; i < 1000; i++) {
      assertEquals(jdk.nextLong(), ours.nextLong(), "output " + i);
    }
  }

  @Test
  void theFirstIdOfEveryThreadIsUniformAndItsOwn() throws Exception {
    // each event loop seeds its generator once: its first ID must already be random (the JDK's byte[] seeding
    // made 3 in 4 of them start with ffffff and repeated one thread's IDs in another every few hundred threads)
    List<String> first = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      String[] id = new String[1];
      Thread t = new Thread(() -> id[0] = RequestIds.hex(2));
      t.start();
      t.join();
      first.add(id[0]);
    }
    Set<String> distinct = new HashSet<>(first);
    assertEquals(first.size(), distinct.size(), "a thread repeated another's first ID");
    long ones = 0;
    for (String id : first) {
      assertFalse(id.startsWith("fffff"), id);
      assertTrue(id.matches("[0-9a-f]{32}"), id);
      ones += new java.math.BigInteger(id, 16).bitCount();
    }
    // 256 x 128 bits: 16,384 ones expected, standard deviation 91
    assertTrue(Math.abs(ones - 16_384) < 600, ones + " bits set of 32,768");
  }
}
