package io.gatehouse.pool;

import io.gatehouse.config.MemberConfig;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/** Members built directly, without a pool: 127.0.0.1 on port {@code 9000 + index}, not monitored. */
public final class TestMembers {
  private TestMembers() {}

  public static Member member(int port, int weight) {
    return new Member(new MemberConfig("127.0.0.1", port, weight, true),
        SocketAddress.inetSocketAddress(port, "127.0.0.1"), MemberHealth.initial(false));
  }

  public static List<Member> members(int... weights) {
    List<Member> out = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      out.add(member(9000 + i, weights[i]));
    }
    return out;
  }
}
