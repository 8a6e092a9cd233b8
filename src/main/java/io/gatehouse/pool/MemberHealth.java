package io.gatehouse.pool;

import java.time.Instant;

/** A member's health verdict: the status, since when, and why (e.g. {@code connect refused}, {@code HTTP 500}). */
public record MemberHealth(MemberStatus status, Instant since, String reason) {

  public static MemberHealth initial(boolean monitored) {
    return monitored
        ? new MemberHealth(MemberStatus.ONLINE, Instant.now(), "added")
        : new MemberHealth(MemberStatus.NO_MONITOR, Instant.now(), "no monitor");
  }
}
