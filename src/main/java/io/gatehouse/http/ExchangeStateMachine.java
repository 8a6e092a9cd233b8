package io.gatehouse.http;

import static io.gatehouse.http.ExchangePhase.CHOOSING;
import static io.gatehouse.http.ExchangePhase.DONE;

import io.gatehouse.log.Logs;
import io.gatehouse.pool.Member;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * The state-machine half of a {@link ProxyExchange}: its {@link ExchangePhase}, the one method that changes it
 * ({@link #move}, checking the phase table), and what the phase implies for what the exchange holds: the member
 * it counts active (acquired on the move into CONNECTING, released by the move that leaves the member phases) and
 * the member connection it owns.
 * ProxyExchange, the only subclass, is the proxying: which event moves it where. Event-loop confined.
 */
abstract sealed class ExchangeStateMachine permits ProxyExchange {

  private static final Logger LOG = Logs.of(ExchangeStateMachine.class);
  /** Moves refused in this JVM: each is a bug (tests expect none but those they provoke). */
  private static final LongAdder ILLEGAL_MOVES = new LongAdder();

  /** Tests only: hears every move of an exchange. */
  interface PhaseObserver {
    void moved(ExchangeStateMachine exchange, ExchangePhase from, ExchangePhase to);
  }

  private final long memberTimeoutNanos;
  private ExchangePhase phase = CHOOSING;
  /** Null but in tests. */
  PhaseObserver observer;
  /** The member of the current (or last) attempt: acquired on the way into CONNECTING. */
  Member member;
  /** The member connection while this exchange owns it: until both the response and the request have ended. */
  MemberConnection toMember;

  ExchangeStateMachine(long memberTimeoutNanos) {
    this.memberTimeoutNanos = memberTimeoutNanos;
  }

  final ExchangePhase phase() {
    return phase;
  }

  /**
   * Moves to {@code next} if the phase table allows it, releasing the member when the move leaves the phases
   * that hold one. A refused move is a bug: the exchange ends at once ({@link #endRefused}) and false is returned;
   * with assertions on (tests) it also throws.
   */
  final boolean move(ExchangePhase next) {
    ExchangePhase from = phase;
    if (!from.allows(next)) {
      ILLEGAL_MOVES.increment();
      String what = "illegal exchange move " + from + " -> " + next + " (" + describe() + ")";
      LOG.severe(what + ": a bug; the exchange ends at once");
      if (from != DONE) {
        endRefused();
      }
      assert false : what;
      return false;
    }
    phase = next;
    if (from.holdsMember() && !next.holdsMember()) {
      member.release();
    }
    if (observer != null) {
      observer.moved(this, from, next);
    }
    return true;
  }

  /** Moves to CONNECTING with {@code m} as the member, which is acquired (counted active) from here on. */
  final boolean connectTo(Member m) {
    member = m;
    if (!move(ExchangePhase.CONNECTING)) {
      return false;
    }
    m.acquire();
    return true;
  }

  /**
   * Ends the exchange after a refused move, rather than leave the client hanging: the member connection is
   * given up and the client answered (or cut off); the exchange moves to DONE (allowed from every other phase).
   */
  abstract void endRefused();

  /** The request, for the log line of a refused move. */
  abstract String describe();

  static long illegalMoves() {
    return ILLEGAL_MOVES.sum();
  }

  /** The member connection while this exchange owns it, else null: where the body (or tunnel) bytes go. */
  final MemberConnection connection() {
    return toMember;
  }

  /** Closes the member connection this exchange holds, mid-request or mid-response: it cannot be reused. */
  final void abortMember() {
    if (toMember != null) {
      toMember.abort();
      toMember = null;
    }
  }

  /** member_timeout starts: the request has gone out whole (or waits for a 100 Continue). */
  final void armTimer() {
    if (toMember != null && phase.awaitsHead()) {
      toMember.awaitHead(memberTimeoutNanos);
    }
  }

  final void cancelTimer() {
    if (toMember != null) {
      toMember.stopAwaitingHead();
    }
  }
}
