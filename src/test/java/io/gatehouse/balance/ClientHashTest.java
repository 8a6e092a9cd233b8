package io.gatehouse.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.NetUtil;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientHashTest {

  private static long hash(String ip) {
    return ClientHash.of(NetUtil.createByteArrayFromIpAddressString(ip));
  }

  @Test
  void valuesArePinnedAcrossJvmsAndReleases() {
    // computed by an independent implementation of the same mix; a change here remaps every SOURCE_IP client of a running cluster: only ever change it on purpose
    assertEquals(PINNED_V4, hash("192.0.2.1"));
    assertEquals(PINNED_V6, hash("2001:db8::1"));
  }

  private static final long PINNED_V4 = -4900016595750242430L;
  private static final long PINNED_V6 = -6614964644363955741L;

  @Test
  void ipv4MappedIpv6HashesLikeIpv4() {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = (byte) 192;
    mapped[14] = 2;
    mapped[15] = 1;
    assertEquals(hash("192.0.2.1"), ClientHash.of(mapped));
    mapped[10] = 0; // one byte off: no longer IPv4-mapped
    assertNotEquals(hash("192.0.2.1"), ClientHash.of(mapped));
  }

  @Test
  void neighbouringAddressesSpreadEvenly() {
    int buckets = 64;
    int[] low = new int[buckets];
    int[] high = new int[buckets];
    Set<Long> distinct = new HashSet<>();
    for (int i = 0; i < 65536; i++) {
      long h = ClientHash.of(new byte[] {10, 1, (byte) (i >> 8), (byte) i});
      distinct.add(h);
      low[(int) (h & (buckets - 1))]++;
      high[(int) (h >>> 58)]++;
    }
    assertEquals(65536, distinct.size());
    for (int b = 0; b < buckets; b++) {
      assertTrue(Math.abs(low[b] - 1024) < 160 && Math.abs(high[b] - 1024) < 160, low[b] + " " + high[b]);
    }
  }
}
