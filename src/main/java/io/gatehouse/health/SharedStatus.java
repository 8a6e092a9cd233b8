package io.gatehouse.health;

import io.gatehouse.pool.MemberHealth;
import io.gatehouse.pool.MemberStatus;
import java.time.Instant;

/**
 * A member's health verdict as its prober publishes it to the cluster: the verdict and a sequence number that
 * grows with each change, so that late or repeated events never undo a newer verdict. Encoded as one string so
 * that the cluster map needs no class of ours to deserialize.
 */
public record SharedStatus(MemberHealth health, long seq) {

  public String encode() {
    return seq + " " + health.status() + " " + health.since().toEpochMilli() + " " + health.reason();
  }

  /** The value {@link #encode} wrote, or null for anything else (never throws: the text came from the network). */
  public static SharedStatus decode(String text) {
    String[] p = text.split(" ", 4);
    try {
      return new SharedStatus(new MemberHealth(MemberStatus.valueOf(p[1]),
          Instant.ofEpochMilli(Long.parseLong(p[2])), p.length > 3 ? p[3] : ""), Long.parseLong(p[0]));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
