package io.gatehouse.config;

/** One member of a pool. Its identity, the key of its sticky and health state, is {@code address:port}. */
public record MemberConfig(String address, int protocolPort, int weight, boolean adminStateUp) {

  public String id() {
    return address + ":" + protocolPort;
  }
}
