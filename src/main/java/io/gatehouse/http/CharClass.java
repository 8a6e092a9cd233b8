package io.gatehouse.http;

/** A set of ASCII characters as two bit masks: a membership test without a branch per character or a lookup. */
final class CharClass {

  private final long low;
  private final long high;

  private CharClass(long low, long high) {
    this.low = low;
    this.high = high;
  }

  static CharClass of(String chars) {
    return new CharClass(0, 0).with(chars);
  }

  CharClass with(String chars) {
    long l = low;
    long h = high;
    for (int i = 0; i < chars.length(); i++) {
      char c = chars.charAt(i);
      if (c < 64) {
        l |= 1L << c;
      } else {
        h |= 1L << (c - 64);
      }
    }
    return new CharClass(l, h);
  }

  CharClass withLettersAndDigits() {
    StringBuilder sb = new StringBuilder();
    for (char c = 'a'; c <= 'z'; c++) {
      sb.append(c).append(Character.toUpperCase(c));
    }
    return with(sb.append("0123456789").toString());
  }

  boolean has(char c) {
    return c < 64 ? (low & (1L << c)) != 0 : c < 128 && (high & (1L << (c - 64))) != 0;
  }
}
