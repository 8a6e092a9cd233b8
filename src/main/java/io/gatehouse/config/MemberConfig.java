package io.gatehouse.config;

/** One member of a pool. Its identity, the key of its sticky and health state, is {@code address:port}. */
public record MemberConfig(String address, int protocolPort, int weight, boolean adminStateUp) {

  public String id() {
    return address + ":" + protocolPort;
  }

  /** Whether {@code other} names this member's address ({@code ::1} and {@code 0:0::1} alike, names in any case). */
  public boolean isAt(String other, int port) {
    return port == protocolPort && address != null && other != null
        && Addresses.canonical(address).equals(Addresses.canonical(other));
  }
}
