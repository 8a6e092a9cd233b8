package io.gatehouse.config;

import java.util.List;

/** {@code ip_group}: a white list admits only the listed networks, a black list refuses them. */
public record IpGroup(Type type, List<Cidr> cidrs) {

  public enum Type { WHITE, BLACK }

  public IpGroup {
    cidrs = List.copyOf(cidrs);
  }

  /** Whether a client with this raw address (4 or 16 bytes) may connect. */
  public boolean admits(byte[] address) {
    boolean listed = false;
    for (Cidr c : cidrs) {
      if (c.contains(address)) {
        listed = true;
        break;
      }
    }
    return type == Type.WHITE ? listed : !listed;
  }
}
