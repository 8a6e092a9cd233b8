package io.gatehouse.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.cluster.Address;
import com.hazelcast.config.Config;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class MemberAllowListTest {

  private static Address at(String host, int port) throws UnknownHostException {
    return new Address(host, port);
  }

  @Test
  void matchesListedAddressesWithTheirPortsRangesAndPortlessEntries() throws UnknownHostException {
    MemberAllowList list = MemberAllowList.parse("127.0.0.1:5701, 10.0.0.1-3;[::1]:5702 192.168.1.9");
    assertTrue(list.allows(at("127.0.0.1", 5701)));
    assertFalse(list.allows(at("127.0.0.1", 5702)), "another port than listed");
    assertFalse(list.allows(at("127.0.0.2", 5701)));
    assertTrue(list.allows(at("10.0.0.2", 5703)), "range, no port: any port");
    assertFalse(list.allows(at("10.0.0.4", 5701)));
    assertTrue(list.allows(at("::1", 5702)));
    assertTrue(list.allows(at("192.168.1.9", 6000)));
  }

  @Test
  void withoutATcpIpListEveryAddressIsAllowed() throws UnknownHostException {
    MemberAllowList none = MemberAllowList.of(new Config());
    assertFalse(none.restricts());
    assertTrue(none.allows(at("10.9.9.9", 5701)));
  }

  @Test
  void anUnparseableEntryNamesNoMember() throws UnknownHostException {
    MemberAllowList list = MemberAllowList.parse("127.0.0.1:notaport,127.0.0.3");
    assertFalse(list.allows(at("127.0.0.1", 5701)));
    assertTrue(list.allows(at("127.0.0.3", 5701)));
  }
}
