package io.gatehouse.pool;

/** A member's health as the contract reports it. */
public enum MemberStatus {
  ONLINE, OFFLINE, NO_MONITOR;

  public boolean usable() {
    return this != OFFLINE;
  }
}
