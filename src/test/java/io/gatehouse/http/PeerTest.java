package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The log text of a client, made from its address and port when a log line asks for it. */
class PeerTest {

  @Test
  void displayIsAddressAndPortWithIpv6InBrackets() {
    assertEquals("192.0.2.7:40123", new Peer("192.0.2.7", 1, 40123, null).display());
    assertEquals("[2001:db8::1]:443", new Peer("2001:db8::1", 1, 443, null).display());
  }
}
