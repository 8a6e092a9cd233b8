package io.gatehouse.balance;

/**
 * What a balancer needs to know of a member: a stable identity (the hash's order and key) and how many
 * connections or requests it has open now (least connections).
 */
public interface Target {

  String id();

  int active();
}
