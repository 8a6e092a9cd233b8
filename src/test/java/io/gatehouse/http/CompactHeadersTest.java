package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * {@link CompactHeaders} does what Netty's {@code DefaultHttpHeaders} does: the same random operations on both
 * (with each factory's validation), the same visible state after every one, and the same refusals.
 */
class CompactHeadersTest {

  private static final List<CharSequence> NAMES = List.of("Host", "host", "HOST", "X-A", "x-a", "Content-Length",
      "Connection", new AsciiString("connection"), "Set-Cookie", "Transfer-Encoding", "te", "bad name", "", "a:b");
  private static final List<CharSequence> VALUES = List.of("v1", "a, b", " close ", "keep-alive, Close", "", "chunked",
      new AsciiString("Upgrade"), "x\r\ny", "tab\there", "nul\0", "caf\u00e9", "42", "Tue, 15 Nov 1994 08:12:31 GMT");

  enum Op { ADD, SET, REMOVE, ADD_ALL, SET_ALL, ADD_INT, SET_INT, CLEAR, ITERATOR_REMOVE, SET_VALUE, COPY_BACK }

  record Step(Op op, int name, int value, int other) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(Arbitraries.of(Op.class), Arbitraries.integers().between(0, NAMES.size() - 1),
        Arbitraries.integers().between(0, VALUES.size() - 1), Arbitraries.integers().between(0, 20))
        .as(Step::new).list().ofMaxSize(40);
  }

  @Property(tries = 1500)
  void behavesAsNettysHeaders(@ForAll("steps") List<Step> steps) {
    compare(steps, DefaultHttpHeadersFactory.headersFactory(), CompactHeaders.CHECKED);
  }

  @Property(tries = 500)
  void behavesAsNettysTrailers(@ForAll("steps") List<Step> steps) {
    compare(steps, DefaultHttpHeadersFactory.trailersFactory(), CompactHeaders.CHECKED_TRAILERS);
  }

  @Property(tries = 500)
  void behavesAsNettysUncheckedHeaders(@ForAll("steps") List<Step> steps) {
    compare(steps, DefaultHttpHeadersFactory.headersFactory().withValidation(false), CompactHeaders.UNCHECKED);
  }

  private static void compare(List<Step> steps, HttpHeadersFactory netty, HttpHeadersFactory compact) {
    HttpHeaders expected = netty.newHeaders();
    HttpHeaders actual = compact.newHeaders();
    for (Step s : steps) {
      String outcomeExpected = apply(s, expected);
      String outcomeActual = apply(s, actual);
      assertEquals(outcomeExpected, outcomeActual, "outcome of " + s);
      assertSameState(expected, actual, s);
    }
  }

  /** Applies a step; the name of the exception it threw, or "ok". */
  private static String apply(Step s, HttpHeaders h) {
    CharSequence name = NAMES.get(s.name());
    CharSequence value = VALUES.get(s.value());
    try {
      switch (s.op()) {
        case ADD -> h.add(name, value);
        case SET -> h.set(name, value);
        case REMOVE -> h.remove(name);
        case ADD_ALL -> h.add(name, List.of(value, VALUES.get(s.other() % VALUES.size())));
        case SET_ALL -> h.set(name, List.of(value, VALUES.get(s.other() % VALUES.size())));
        case ADD_INT -> h.addInt(name, s.other());
        case SET_INT -> h.setInt(name, s.other());
        case CLEAR -> {
          if (s.other() == 0) {
            h.clear(); // seldom: the rest of the sequence works on a fuller head
          }
        }
        case ITERATOR_REMOVE -> {
          Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
          for (int i = 0; it.hasNext(); i++) {
            it.next();
            if (i == s.other() % Math.max(1, h.size())) {
              it.remove();
              break;
            }
          }
        }
        case SET_VALUE -> {
          Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
          for (int i = 0; it.hasNext(); i++) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            if (i == s.other() % Math.max(1, h.size())) {
              e.setValue(value);
              break;
            }
          }
        }
        case COPY_BACK -> h.set(h.copy());
        default -> throw new AssertionError(s);
      }
      return "ok";
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  private static void assertSameState(HttpHeaders expected, HttpHeaders actual, Step after) {
    String where = "after " + after;
    assertEquals(lines(expected), lines(actual), where);
    assertEquals(expected.size(), actual.size(), where);
    assertEquals(expected.isEmpty(), actual.isEmpty(), where);
    assertEquals(new ArrayList<>(expected.names()), new ArrayList<>(actual.names()), where);
    assertEquals(texts(expected.entries()), texts(actual.entries()), where);
    for (CharSequence n : NAMES) {
      assertEquals(expected.get(n), actual.get(n), where + " get " + n);
      assertEquals(expected.getAll(n), actual.getAll(n), where + " getAll " + n);
      assertEquals(expected.contains(n), actual.contains(n), where + " contains " + n);
      assertEquals(outcome(() -> expected.getInt(n)), outcome(() -> actual.getInt(n)), where + " getInt " + n);
      assertEquals(outcome(() -> expected.getShort(n)), outcome(() -> actual.getShort(n)), where + " getShort " + n);
      assertEquals(outcome(() -> expected.getTimeMillis(n)), outcome(() -> actual.getTimeMillis(n)),
          where + " getTimeMillis " + n);
      for (CharSequence v : List.of("close", "CLOSE", "v1", "b", "a, b", "upgrade", "chunked")) {
        for (boolean ignoreCase : new boolean[] {true, false}) {
          assertEquals(expected.contains(n, v, ignoreCase), actual.contains(n, v, ignoreCase),
              where + " contains " + n + "=" + v + " " + ignoreCase);
          assertEquals(expected.containsValue(n, v, ignoreCase), actual.containsValue(n, v, ignoreCase),
              where + " containsValue " + n + "=" + v + " " + ignoreCase);
        }
      }
    }
  }

  /** What a getter gave, or the name of what it threw (Netty throws a date's ParseException unchecked). */
  private static String outcome(Supplier<Object> getter) {
    try {
      return String.valueOf(getter.get());
    } catch (Exception e) {
      return e.getClass().getSimpleName();
    }
  }

  private static List<String> texts(List<Map.Entry<String, String>> entries) {
    return entries.stream().map(e -> e.getKey() + ": " + e.getValue()).toList();
  }

  private static List<String> lines(HttpHeaders h) {
    List<String> lines = new ArrayList<>();
    Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      lines.add(e.getKey() + ": " + e.getValue());
    }
    List<String> asStrings = new ArrayList<>();
    for (Map.Entry<String, String> e : h) {
      asStrings.add(e.getKey() + ": " + e.getValue());
    }
    assertEquals(lines, asStrings);
    return lines;
  }

  @Test
  void trailersRefuseFramingHeadersAsNettysDo() {
    HttpHeaders trailers = CompactHeaders.CHECKED_TRAILERS.newHeaders();
    assertThrows(IllegalArgumentException.class, () -> trailers.add("Content-Length", "1"));
    assertThrows(IllegalArgumentException.class, () -> trailers.add("Transfer-Encoding", "chunked"));
    trailers.add("grpc-status", "0");
    assertEquals("0", trailers.get("Grpc-Status"));
  }

  @Test
  void checkedHeadersRefuseWhatADecoderMustNotPassOn() {
    HttpHeaders h = CompactHeaders.CHECKED.newHeaders();
    assertThrows(IllegalArgumentException.class, () -> h.add("X-Bad", "a\r\nInjected: yes"));
    assertThrows(IllegalArgumentException.class, () -> h.add("Bad Name", "v"));
    assertTrue(h.isEmpty());
  }

  @Test
  void anEmptyHeadHoldsNoArray() {
    HttpHeaders h = CompactHeaders.CHECKED_TRAILERS.newEmptyHeaders();
    assertTrue(h.isEmpty());
    assertFalse(h.iteratorCharSequence().hasNext());
    assertEquals(List.of(), h.getAll("x"));
  }
}
