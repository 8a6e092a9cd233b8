package io.gatehouse.http;

import java.util.EnumSet;

/**
 * Where a {@link ProxyExchange} stands, and the moves allowed from each phase. An exchange starts in
 * {@link #CHOOSING} and ends in {@link #DONE}; every member attempt starts from CHOOSING and every failed
 * attempt returns to it, so a retry is CHOOSING again, never a jump between member phases. DONE is reachable
 * from every other phase, for a client may leave at any time. The request body may still flow to the member
 * after the response ended (ENDING, DONE): that is the body relay's, not a phase.
 */
enum ExchangePhase {
  /** No member attempt in flight: the member is being chosen (first, again after a failed attempt, or none). */
  CHOOSING,
  /** Waiting for a connection to the chosen member (a pooled one, a new one, or a place in its queue). */
  CONNECTING,
  /** Head sent with Expect: 100-continue: the body waits for the member's 100, within member_timeout. */
  AWAITING_CONTINUE,
  /** Head sent; the client's body streams to the member, the client timed by client_timeout. */
  SENDING_BODY,
  /** The request is whole at the member; member_timeout runs until its response head. */
  AWAITING_HEAD,
  /** The member's head is passed on; its body streams to the client. */
  RELAYING_RESPONSE,
  /** The member's response is complete; its end is being written to the client. */
  ENDING,
  /** The member accepted an upgrade (101): raw bytes both ways until either side closes. */
  TUNNEL,
  /** The gateway answers itself (redirect, fixed response, or its own 408, 413, 502, 503, 504). */
  ANSWERED_LOCALLY,
  /** Counted and logged; nothing more happens to the client's response. */
  DONE;

  private EnumSet<ExchangePhase> next;

  static {
    CHOOSING.next = EnumSet.of(CONNECTING, ANSWERED_LOCALLY, DONE);
    CONNECTING.next = EnumSet.of(AWAITING_CONTINUE, SENDING_BODY, AWAITING_HEAD, CHOOSING, DONE);
    AWAITING_CONTINUE.next = EnumSet.of(SENDING_BODY, AWAITING_HEAD, RELAYING_RESPONSE, CHOOSING, ANSWERED_LOCALLY,
        DONE);
    SENDING_BODY.next = EnumSet.of(AWAITING_HEAD, RELAYING_RESPONSE, CHOOSING, ANSWERED_LOCALLY, DONE);
    AWAITING_HEAD.next = EnumSet.of(RELAYING_RESPONSE, TUNNEL, CHOOSING, ANSWERED_LOCALLY, DONE);
    RELAYING_RESPONSE.next = EnumSet.of(ENDING, DONE);
    ENDING.next = EnumSet.of(DONE);
    TUNNEL.next = EnumSet.of(DONE);
    ANSWERED_LOCALLY.next = EnumSet.of(DONE);
    DONE.next = EnumSet.noneOf(ExchangePhase.class);
  }

  /** Whether an exchange may move from this phase to {@code to}. */
  boolean allows(ExchangePhase to) {
    return next.contains(to);
  }

  /** The member is counted active ({@code acquire}d) in this phase: leaving for a phase that is not releases it. */
  boolean holdsMember() {
    return this == CONNECTING || this == AWAITING_CONTINUE || this == SENDING_BODY || this == AWAITING_HEAD
        || this == RELAYING_RESPONSE || this == TUNNEL;
  }

  /** The request (its head at least) is at the member and no response head has come: member_timeout may run. */
  boolean awaitsHead() {
    return this == AWAITING_CONTINUE || this == SENDING_BODY || this == AWAITING_HEAD;
  }

  /** The member's response head was passed on to the client (its status is the client's). */
  boolean headPassed() {
    return this == RELAYING_RESPONSE || this == ENDING || this == TUNNEL;
  }
}
