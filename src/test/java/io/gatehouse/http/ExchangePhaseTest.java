package io.gatehouse.http;

import static io.gatehouse.http.ExchangePhase.ANSWERED_LOCALLY;
import static io.gatehouse.http.ExchangePhase.AWAITING_CONTINUE;
import static io.gatehouse.http.ExchangePhase.AWAITING_HEAD;
import static io.gatehouse.http.ExchangePhase.CHOOSING;
import static io.gatehouse.http.ExchangePhase.CONNECTING;
import static io.gatehouse.http.ExchangePhase.DONE;
import static io.gatehouse.http.ExchangePhase.ENDING;
import static io.gatehouse.http.ExchangePhase.RELAYING_RESPONSE;
import static io.gatehouse.http.ExchangePhase.SENDING_BODY;
import static io.gatehouse.http.ExchangePhase.TUNNEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The exchange's phase table: every phase's allowed and refused moves, and the properties the exchange relies on. */
class ExchangePhaseTest {

  /** The design, written out here independently of the enum: a change to either must be made to both. */
  private static final Map<ExchangePhase, Set<ExchangePhase>> ALLOWED = new EnumMap<>(ExchangePhase.class);

  static {
    ALLOWED.put(CHOOSING, EnumSet.of(CONNECTING, ANSWERED_LOCALLY, DONE));
    ALLOWED.put(CONNECTING, EnumSet.of(AWAITING_CONTINUE, SENDING_BODY, AWAITING_HEAD, CHOOSING, DONE));
    ALLOWED.put(AWAITING_CONTINUE,
        EnumSet.of(SENDING_BODY, AWAITING_HEAD, RELAYING_RESPONSE, CHOOSING, ANSWERED_LOCALLY, DONE));
    ALLOWED.put(SENDING_BODY, EnumSet.of(AWAITING_HEAD, RELAYING_RESPONSE, CHOOSING, ANSWERED_LOCALLY, DONE));
    ALLOWED.put(AWAITING_HEAD, EnumSet.of(RELAYING_RESPONSE, TUNNEL, CHOOSING, ANSWERED_LOCALLY, DONE));
    ALLOWED.put(RELAYING_RESPONSE, EnumSet.of(ENDING, DONE));
    ALLOWED.put(ENDING, EnumSet.of(DONE));
    ALLOWED.put(TUNNEL, EnumSet.of(DONE));
    ALLOWED.put(ANSWERED_LOCALLY, EnumSet.of(DONE));
    ALLOWED.put(DONE, EnumSet.noneOf(ExchangePhase.class));
  }

  @Test
  void theTableCoversEveryPhase() {
    assertEquals(EnumSet.allOf(ExchangePhase.class), ALLOWED.keySet());
  }

  @ParameterizedTest
  @EnumSource(ExchangePhase.class)
  void eachPhaseAllowsItsMovesAndRefusesEveryOther(ExchangePhase from) {
    for (ExchangePhase to : ExchangePhase.values()) {
      assertEquals(ALLOWED.get(from).contains(to), from.allows(to), from + " -> " + to);
    }
  }

  @ParameterizedTest
  @EnumSource(ExchangePhase.class)
  void noPhaseMovesToItselfAndEveryOtherEndsInDone(ExchangePhase p) {
    assertFalse(p.allows(p), p + " -> itself");
    assertEquals(p != DONE, p.allows(DONE), "a client may leave in any phase: " + p);
  }

  @Test
  void everyPhaseIsReachedFromChoosing() {
    Set<ExchangePhase> seen = EnumSet.of(CHOOSING);
    ArrayDeque<ExchangePhase> todo = new ArrayDeque<>(seen);
    while (!todo.isEmpty()) {
      ExchangePhase p = todo.poll();
      for (ExchangePhase q : ExchangePhase.values()) {
        if (p.allows(q) && seen.add(q)) {
          todo.add(q);
        }
      }
    }
    assertEquals(EnumSet.allOf(ExchangePhase.class), seen);
  }

  @Test
  void attemptsStartOnlyFromChoosingSoEveryLoopPassesThroughIt() {
    for (ExchangePhase p : ExchangePhase.values()) {
      assertEquals(p == CHOOSING, p.allows(CONNECTING), p + " -> CONNECTING");
    }
    // without CHOOSING the graph has no cycle: a retry is the only way back, and attempts are counted there
    for (ExchangePhase start : EnumSet.complementOf(EnumSet.of(CHOOSING))) {
      assertFalse(reachesWithout(start, start, CHOOSING), "a cycle through " + start + " avoiding CHOOSING");
    }
  }

  private static boolean reachesWithout(ExchangePhase from, ExchangePhase target, ExchangePhase avoided) {
    Set<ExchangePhase> seen = EnumSet.noneOf(ExchangePhase.class);
    ArrayDeque<ExchangePhase> todo = new ArrayDeque<>();
    todo.add(from);
    while (!todo.isEmpty()) {
      ExchangePhase p = todo.poll();
      for (ExchangePhase q : ExchangePhase.values()) {
        if (p.allows(q) && q != avoided) {
          if (q == target) {
            return true;
          }
          if (seen.add(q)) {
            todo.add(q);
          }
        }
      }
    }
    return false;
  }

  @Test
  void theMemberIsHeldFromConnectingUntilTheResponseOrTunnelEnds() {
    assertEquals(EnumSet.of(CONNECTING, AWAITING_CONTINUE, SENDING_BODY, AWAITING_HEAD, RELAYING_RESPONSE, TUNNEL),
        matching(ExchangePhase::holdsMember));
    // every move into a holding phase from one that is not starts an attempt (where the member is acquired)
    for (ExchangePhase from : ExchangePhase.values()) {
      for (ExchangePhase to : ExchangePhase.values()) {
        if (from.allows(to) && to.holdsMember() && !from.holdsMember()) {
          assertEquals(CONNECTING, to, from + " -> " + to + " would hold a member never acquired");
        }
      }
    }
  }

  @Test
  void theHeadIsAwaitedBeforeItIsPassedOn() {
    assertEquals(EnumSet.of(AWAITING_CONTINUE, SENDING_BODY, AWAITING_HEAD), matching(ExchangePhase::awaitsHead));
    assertEquals(EnumSet.of(RELAYING_RESPONSE, ENDING, TUNNEL), matching(ExchangePhase::headPassed));
    for (ExchangePhase from : ExchangePhase.values()) {
      for (ExchangePhase to : ExchangePhase.values()) {
        if (from.allows(to) && to.headPassed() && !from.headPassed()) {
          assertTrue(from.awaitsHead(), "a head passed on without being awaited: " + from + " -> " + to);
        }
      }
    }
  }

  private static Set<ExchangePhase> matching(java.util.function.Predicate<ExchangePhase> p) {
    Set<ExchangePhase> out = EnumSet.noneOf(ExchangePhase.class);
    for (ExchangePhase x : ExchangePhase.values()) {
      if (p.test(x)) {
        out.add(x);
      }
    }
    return out;
  }
}
