package io.gatehouse.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ListenerConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The per-client tables are keyed exactly (IPv4 /32, IPv6 /64), so no address can be chosen to share another
 * client's entry, and are capped: at the cap the least recently used entry with nothing open gives way, and a new
 * client is refused as {@code limit} when every entry has a connection open.
 */
class ClientTableTest {

  private static final long MINUTE = 60_000_000_000L;

  @Test
  void ipv6AddressesShareAnEntryExactlyWhenTheyShareTheirSlash64() {
    assertEquals(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    assertNotEquals(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    assertNotEquals(key("2001:db8:1:2::1"), key("2001:db9:1:2::1"));
    assertNotEquals(key("2001:db8:1:2::1"), key("3001:db8:1:2::1"));
  }

  @Test
  void ipv4AddressesEachHaveTheirOwnEntryApartFromEveryIpv6One() {
    assertNotEquals(key("10.0.0.1"), key("10.0.0.2"));
    assertNotEquals(key("10.0.0.1"), key("11.0.0.1"));
    assertNotEquals(key("0.0.0.0"), key("::1")); // the /64 of ::1 (and of ::ffff:0:0/96) is all zeros
    assertNotEquals(key("0.0.0.1"), key("::"));
    assertEquals(key("192.0.2.7"), key("192.0.2.7"));
  }

  /** A dual-stack socket or proxy shows IPv4 clients as ::ffff:a.b.c.d, a NAT64 as 64:ff9b::a.b.c.d. */
  @Test
  void anIpv4ClientSeenThroughIpv6IsKeyedAsItsIpv4Address() {
    assertEquals(key("192.0.2.7"), mappedKey("::ffff:192.0.2.7"));
    assertNotEquals(mappedKey("::ffff:192.0.2.7"), mappedKey("::ffff:192.0.2.8"));
    assertEquals(key("192.0.2.7"), key("64:ff9b::c000:207"));
    assertNotEquals(key("64:ff9b::c000:207"), key("64:ff9b::c000:208"));
  }

  /** IPv4 keys are ff00:0000:a.b.c.d/64-like: the multicast /64s that look like them share one other key. */
  @Test
  void noIpv6Slash64SharesAKeyWithAnIpv4Address() {
    assertNotEquals(key("255.0.0.1"), key("ff00::ff00:1"));
    assertNotEquals(key("0.0.0.1"), key("ff00:0:0:1::"));
    assertNotEquals(key("255.255.255.255"), key("ff00:0:ffff:ffff::"));
    assertEquals(key("ff02::1"), key("ff00:0:ffff:ffff::"), "multicast, never a client: one shared key");
  }

  @Test
  void aListenerWithoutClientConnectionLimitKeepsNoTable() {
    ListenerState state = state("", 100);
    for (int i = 1; i <= 5; i++) {
      assertNull(state.admit(client("10.0.0." + i)));
    }
    assertEquals(0, state.trackedClients());
    assertEquals(5, state.active());
  }

  /** The 100,000 of a real listener are split into shards; a client's entry is found in its own. */
  @Test
  void aShardedTableHoldsItsCapAcrossItsShards() {
    ShardedClientTable table = new ShardedClientTable(ClientTable.MAX_CLIENTS);
    for (long k = 0; k < 20_000; k++) {
      assertTrue(table.tryOpen(k, 1, 0));
    }
    assertEquals(20_000, table.size());
    assertFalse(table.tryOpen(7, 1, 0), "the client's own count, in its shard");
    table.close(7, 1);
    assertTrue(table.tryOpen(7, 1, 2));
  }

  @Test
  void twoAddressesOfOneSlash64CountAsOneClient() {
    ListenerState state = state(",\"client_connection_limit\":1", 100);
    assertNull(state.admit(client("2001:db8::1")));
    assertEquals(Refusal.LIMIT, state.admit(client("2001:db8::2")), "a second address of the same /64");
    assertNull(state.admit(client("2001:db8:0:1::1")), "the next /64 is another client");
    state.release(client("2001:db8::1"), true);
    assertNull(state.admit(client("2001:db8::2")));
  }

  @Test
  void atTheCapTheLeastRecentlyUsedIdleEntryGivesWay() {
    ClientTable table = new ClientTable(3);
    long a = 1;
    long b = 2;
    long c = 3;
    assertTrue(table.tryOpen(a, 10, 0));
    table.close(a, 1);
    assertTrue(table.tryOpen(b, 10, 2));
    table.close(b, 3);
    assertTrue(table.tryOpen(c, 10, 4)); // full: a and b idle, c open
    table.close(c, 5);
    assertTrue(table.tryOpen(a, 10, 6)); // a is in use again; b is now the least recently used idle entry
    assertTrue(table.tryOpen(4, 10, 7));
    assertFalse(table.contains(b));
    assertTrue(table.contains(a) && table.contains(c) && table.contains(4));
    assertEquals(3, table.size());
  }

  @Test
  void aRequestMakesAnIdleEntryRecentlyUsed() {
    ClientTable table = new ClientTable(2);
    ListenerConfig.ClientRate rate = new ListenerConfig.ClientRate(10, 10);
    assertTrue(table.tryRequest(1, rate, 0));
    assertTrue(table.tryRequest(2, rate, 1));
    assertTrue(table.tryRequest(1, rate, 2)); // 2 is now the least recently used
    assertTrue(table.tryRequest(3, rate, 3));
    assertTrue(table.contains(1) && table.contains(3));
    assertFalse(table.contains(2));
  }

  @Test
  void aNewClientIsRefusedAsLimitWhenEveryEntryHasAConnectionOpen() {
    ListenerState state = state(",\"client_connection_limit\":10", 2);
    assertNull(state.admit(client("10.0.0.1")));
    assertNull(state.admit(client("10.0.0.2")));
    assertEquals(Refusal.LIMIT, state.admit(client("10.0.0.3")));
    assertEquals(1, state.refused(Refusal.LIMIT));
    assertNull(state.admit(client("10.0.0.1")), "a client already in the table is still counted");
    state.release(client("10.0.0.2"), true);
    assertNull(state.admit(client("10.0.0.3")), "the idle entry gave way");
    assertEquals(3, state.active());
  }

  @Test
  void theSweepDropsOnlyIdleEntriesQuietForAMinute() {
    ClientTable table = new ClientTable(10);
    assertTrue(table.tryOpen(1, 10, 0));
    table.close(1, 0);
    assertTrue(table.tryOpen(2, 10, 0)); // open: never swept
    assertTrue(table.tryOpen(3, 10, MINUTE));
    table.close(3, MINUTE);
    table.sweep(MINUTE + 1);
    assertFalse(table.contains(1));
    assertTrue(table.contains(2) && table.contains(3));
  }

  private static long key(String ip) {
    return client(ip).tableKey();
  }

  /** Kept as written, as a PROXY header names it (the JDK would turn it into an IPv4 address). */
  private static long mappedKey(String ip) {
    return ClientAddress.of(io.vertx.core.net.SocketAddress.inetSocketAddress(40000, ip)).tableKey();
  }

  private static ClientAddress client(String ip) {
    return ClientAddress.of(new InetSocketAddress(ip, 40000));
  }

  private static ListenerState state(String listenerExtra, int maxClients) {
    ListenerConfig cfg = ConfigParser.parse("""
        {"listeners":[{"name":"l","protocol":"TCP","protocol_port":7000,"default_pool":"p"%s}],
         "pools":[{"name":"p","protocol":"TCP","members":[]}]}
        """.formatted(listenerExtra), Path.of("")).config().listeners().get(0);
    return new ListenerState(new ListenerSettings(cfg, null, null), maxClients);
  }
}
