package io.gatehouse.http;

import io.netty.handler.codec.CharSequenceValueConverter;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.DefaultHeaders.NameValidator;
import io.netty.handler.codec.DefaultHeaders.ValueValidator;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.AsciiString;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.Collections;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;

/**
 * Netty {@link HttpHeaders} kept as one flat array of names and values in the order added, for the heads of the
 * member side (the request the gateway writes, the response and trailers it decodes). A head has a dozen or two
 * lines and is read a few times: a linear scan costs no more than {@code DefaultHttpHeaders}' hashing, and a head
 * costs one array instead of a 16-slot table, a hashed entry per line and a hash per name (about a fifth of the
 * bytes allocated per proxied request). Behaves as {@code DefaultHttpHeaders} does (names case-insensitive, order
 * kept, {@code set} replaces every line of a name and appends, Netty's own validators), which
 * {@code CompactHeadersTest} checks operation by operation against it.
 *
 * <p>{@link #iteratorCharSequence()} hands out one entry object that moves along (the encoder and the header
 * copies read each entry at once): keep its key and value, not the entry. Not thread-safe, like the heads it holds.
 */
public final class CompactHeaders extends HttpHeaders {

  /** Headers checked as Netty's default factory checks them (a decoder's). */
  public static final HttpHeadersFactory CHECKED = new Factory(DefaultHttpHeadersFactory.headersFactory());
  /** Trailers checked as Netty's default trailers factory checks them (no framing headers among them). */
  public static final HttpHeadersFactory CHECKED_TRAILERS = new Factory(DefaultHttpHeadersFactory.trailersFactory());
  /** Unchecked: for heads built from lines a decoder has checked already. */
  public static final HttpHeadersFactory UNCHECKED =
      new Factory(DefaultHttpHeadersFactory.headersFactory().withValidation(false));

  private static final CharSequence[] NONE = {};
  private static final int FIRST_CAPACITY = 16; // lines: most heads fit

  private final NameValidator<CharSequence> nameValidator;
  private final ValueValidator<CharSequence> valueValidator;
  /** name, value, name, value, ... in the order added; the first {@code 2 * size} slots are used. */
  private CharSequence[] lines = NONE;
  private int size;

  private CompactHeaders(NameValidator<CharSequence> names, ValueValidator<CharSequence> values) {
    this.nameValidator = names;
    this.valueValidator = values;
  }

  // --- reading ---

  @Override
  public String get(String name) {
    return get((CharSequence) name);
  }

  @Override
  public String get(CharSequence name) {
    int i = indexOf(name, 0);
    return i < 0 ? null : lines[2 * i + 1].toString();
  }

  @Override
  public Integer getInt(CharSequence name) {
    return parsed(name, CharSequenceValueConverter.INSTANCE::convertToInt);
  }

  @Override
  public int getInt(CharSequence name, int defaultValue) {
    Integer v = getInt(name);
    return v == null ? defaultValue : v;
  }

  @Override
  public Short getShort(CharSequence name) {
    return parsed(name, CharSequenceValueConverter.INSTANCE::convertToShort);
  }

  @Override
  public short getShort(CharSequence name, short defaultValue) {
    Short v = getShort(name);
    return v == null ? defaultValue : v;
  }

  @Override
  public Long getTimeMillis(CharSequence name) {
    return parsed(name, CharSequenceValueConverter.INSTANCE::convertToTimeMillis);
  }

  @Override
  public long getTimeMillis(CharSequence name, long defaultValue) {
    Long v = getTimeMillis(name);
    return v == null ? defaultValue : v;
  }

  @Override
  public List<String> getAll(String name) {
    return getAll((CharSequence) name);
  }

  @Override
  public List<String> getAll(CharSequence name) {
    int i = indexOf(name, 0);
    if (i < 0) {
      return Collections.emptyList();
    }
    List<String> all = new ArrayList<>(2);
    for (; i >= 0; i = indexOf(name, i + 1)) {
      all.add(lines[2 * i + 1].toString());
    }
    return all;
  }

  @Override
  public List<Map.Entry<String, String>> entries() {
    if (size == 0) {
      return Collections.emptyList();
    }
    List<Map.Entry<String, String>> all = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      all.add(new AbstractMap.SimpleImmutableEntry<>(lines[2 * i].toString(), lines[2 * i + 1].toString()));
    }
    return all;
  }

  @Override
  public boolean contains(String name) {
    return indexOf(name, 0) >= 0;
  }

  @Override
  public boolean contains(CharSequence name) {
    return indexOf(name, 0) >= 0;
  }

  /** Whether a line of {@code name} has exactly {@code value} (any case when {@code ignoreCase}). */
  @Override
  public boolean contains(String name, String value, boolean ignoreCase) {
    return contains((CharSequence) name, value, ignoreCase);
  }

  @Override
  public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
    for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
      CharSequence v = lines[2 * i + 1];
      if (ignoreCase ? AsciiString.contentEqualsIgnoreCase(v, value) : AsciiString.contentEquals(v, value)) {
        return true;
      }
    }
    return false;
  }

  /** Whether a line of {@code name} lists {@code value} among its comma-separated, trimmed elements. */
  @Override
  public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) {
    for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
      if (listsElement(lines[2 * i + 1], value, ignoreCase)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Iterator<Map.Entry<String, String>> iterator() {
    Iterator<Map.Entry<CharSequence, CharSequence>> lines = iteratorCharSequence();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return lines.hasNext();
      }

      @Override
      public Map.Entry<String, String> next() {
        Map.Entry<CharSequence, CharSequence> e = lines.next();
        return new AbstractMap.SimpleImmutableEntry<>(e.getKey().toString(), e.getValue().toString());
      }
    };
  }

  @Override
  public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
    return new Cursor();
  }

  @Override
  public Iterator<String> valueStringIterator(CharSequence name) {
    Iterator<CharSequence> values = valueCharSequenceIterator(name);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return values.hasNext();
      }

      @Override
      public String next() {
        return values.next().toString();
      }
    };
  }

  @Override
  public Iterator<CharSequence> valueCharSequenceIterator(CharSequence name) {
    return new Iterator<>() {
      private int next = indexOf(name, 0);

      @Override
      public boolean hasNext() {
        return next >= 0;
      }

      @Override
      public CharSequence next() {
        if (next < 0) {
          throw new NoSuchElementException();
        }
        CharSequence v = lines[2 * next + 1];
        next = indexOf(name, next + 1);
        return v;
      }
    };
  }

  @Override
  public boolean isEmpty() {
    return size == 0;
  }

  @Override
  public int size() {
    return size;
  }

  /** The distinct names as spelled (as {@code DefaultHttpHeaders} gives them: "Host" and "host" are two). */
  @Override
  public Set<String> names() {
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < size; i++) {
      names.add(lines[2 * i].toString());
    }
    return names;
  }

  // --- writing ---

  @Override
  public HttpHeaders add(String name, Object value) {
    return add((CharSequence) name, value);
  }

  @Override
  public HttpHeaders add(CharSequence name, Object value) {
    CharSequence n = checkedName(name);
    append(n, converted(n, value));
    return this;
  }

  @Override
  public HttpHeaders add(String name, Iterable<?> values) {
    return add((CharSequence) name, values);
  }

  @Override
  public HttpHeaders add(CharSequence name, Iterable<?> values) {
    CharSequence n = checkedName(name);
    for (Object v : values) {
      append(n, converted(n, v));
    }
    return this;
  }

  @Override
  public HttpHeaders add(HttpHeaders headers) {
    if (headers == this) {
      throw new IllegalArgumentException("can't add to itself.");
    }
    if (headers instanceof CompactHeaders same) {
      for (int i = 0; i < same.size; i++) {
        append(same.lines[2 * i], same.lines[2 * i + 1]); // checked when they went in, as Netty copies its own
      }
      return this;
    }
    Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      add(e.getKey(), e.getValue());
    }
    return this;
  }

  @Override
  public HttpHeaders addInt(CharSequence name, int value) {
    return add(name, Integer.toString(value));
  }

  @Override
  public HttpHeaders addShort(CharSequence name, short value) {
    return add(name, Short.toString(value));
  }

  @Override
  public HttpHeaders set(String name, Object value) {
    return set((CharSequence) name, value);
  }

  @Override
  public HttpHeaders set(CharSequence name, Object value) {
    CharSequence n = checkedName(name);
    CharSequence v = converted(n, value);
    removeAll(n);
    append(n, v);
    return this;
  }

  @Override
  public HttpHeaders set(String name, Iterable<?> values) {
    return set((CharSequence) name, values);
  }

  @Override
  public HttpHeaders set(CharSequence name, Iterable<?> values) {
    CharSequence n = checkedName(name);
    removeAll(n);
    for (Object v : values) {
      if (v == null) {
        break; // as DefaultHeaders does
      }
      append(n, converted(n, v));
    }
    return this;
  }

  @Override
  public HttpHeaders set(HttpHeaders headers) {
    if (headers != this) {
      clear();
      add(headers);
    }
    return this;
  }

  @Override
  public HttpHeaders setInt(CharSequence name, int value) {
    return set(name, Integer.toString(value));
  }

  @Override
  public HttpHeaders setShort(CharSequence name, short value) {
    return set(name, Short.toString(value));
  }

  @Override
  public HttpHeaders remove(String name) {
    return remove((CharSequence) name);
  }

  @Override
  public HttpHeaders remove(CharSequence name) {
    removeAll(name);
    return this;
  }

  @Override
  public HttpHeaders clear() {
    Arrays.fill(lines, 0, 2 * size, null);
    size = 0;
    return this;
  }

  @Override
  public HttpHeaders copy() {
    CompactHeaders copy = new CompactHeaders(nameValidator, valueValidator);
    copy.lines = size == 0 ? NONE : Arrays.copyOf(lines, 2 * size);
    copy.size = size;
    return copy;
  }

  // --- the array ---

  /** The first line at or after {@code from} whose name is {@code name} (any case), or -1. */
  private int indexOf(CharSequence name, int from) {
    if (name == null) {
      throw new NullPointerException("name");
    }
    int length = name.length();
    for (int i = from; i < size; i++) {
      CharSequence n = lines[2 * i];
      if (n.length() == length && AsciiString.contentEqualsIgnoreCase(n, name)) {
        return i;
      }
    }
    return -1;
  }

  /** The first value of {@code name} parsed, or null when there is none or it does not parse (as Netty's). */
  private <T> T parsed(CharSequence name, Function<CharSequence, T> parse) {
    CharSequence v = value(name);
    try {
      return v == null ? null : parse.apply(v);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private CharSequence value(CharSequence name) {
    int i = indexOf(name, 0);
    return i < 0 ? null : lines[2 * i + 1];
  }

  private void append(CharSequence name, CharSequence value) {
    if (2 * size == lines.length) {
      lines = Arrays.copyOf(lines, lines.length == 0 ? 2 * FIRST_CAPACITY : 2 * lines.length);
    }
    lines[2 * size] = name;
    lines[2 * size + 1] = value;
    size++;
  }

  private void removeAll(CharSequence name) {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      CharSequence n = lines[2 * i];
      if (n.length() == name.length() && AsciiString.contentEqualsIgnoreCase(n, name)) {
        continue;
      }
      if (kept != i) {
        lines[2 * kept] = n;
        lines[2 * kept + 1] = lines[2 * i + 1];
      }
      kept++;
    }
    Arrays.fill(lines, 2 * kept, 2 * size, null);
    size = kept;
  }

  private CharSequence checkedName(CharSequence name) {
    if (name == null) {
      throw new NullPointerException("name");
    }
    nameValidator.validateName(name);
    return name;
  }

  /** As {@code DefaultHttpHeaders} converts a value: text as it is, dates in HTTP's format, else toString. */
  private CharSequence converted(CharSequence name, Object value) {
    if (value == null) {
      throw new NullPointerException("value");
    }
    CharSequence v = value instanceof CharSequence cs ? cs
        : value instanceof Date d ? DateFormatter.format(d)
        : value instanceof Calendar c ? DateFormatter.format(c.getTime())
        : value.toString();
    try {
      valueValidator.validate(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Validation failed for header '" + name + "'", e);
    }
    return v;
  }

  /** Whether {@code raw}, split at commas and each element trimmed of bytes up to SP, has {@code element}. */
  private static boolean listsElement(CharSequence raw, CharSequence element, boolean ignoreCase) {
    int start = 0;
    int length = raw.length();
    while (start <= length) {
      int end = start;
      while (end < length && raw.charAt(end) != ',') {
        end++;
      }
      int a = start;
      int b = end;
      while (a < b && raw.charAt(a) <= ' ') {
        a++;
      }
      while (b > a && raw.charAt(b - 1) <= ' ') {
        b--;
      }
      if (b - a == element.length()
          && (ignoreCase ? AsciiString.regionMatches(raw, true, a, element, 0, b - a)
              : AsciiString.regionMatches(raw, false, a, element, 0, b - a))) {
        return true;
      }
      if (end == length) {
        return false;
      }
      start = end + 1;
    }
    return false;
  }

  /** The one moving entry of {@link #iteratorCharSequence()}; replaces values in place (no remove(), as Netty's). */
  private final class Cursor implements Iterator<Map.Entry<CharSequence, CharSequence>>,
      Map.Entry<CharSequence, CharSequence> {
    private int next;
    private int current;

    @Override
    public boolean hasNext() {
      return next < size;
    }

    @Override
    public Map.Entry<CharSequence, CharSequence> next() {
      if (next >= size) {
        throw new NoSuchElementException();
      }
      current = next++;
      return this;
    }

    @Override
    public CharSequence getKey() {
      return lines[2 * current];
    }

    @Override
    public CharSequence getValue() {
      return lines[2 * current + 1];
    }

    @Override
    public CharSequence setValue(CharSequence value) {
      if (value == null) {
        throw new NullPointerException("value"); // unchecked otherwise, as Netty's entries are
      }
      CharSequence v = value;
      CharSequence old = lines[2 * current + 1];
      lines[2 * current + 1] = v;
      return old;
    }

    @Override
    public String toString() {
      return getKey() + "=" + getValue();
    }
  }

  private static final class Factory implements HttpHeadersFactory {
    private final NameValidator<CharSequence> names;
    private final ValueValidator<CharSequence> values;

    Factory(DefaultHttpHeadersFactory like) {
      this.names = like.getNameValidator();
      this.values = like.getValueValidator();
    }

    @Override
    public HttpHeaders newHeaders() {
      return new CompactHeaders(names, values);
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
      return new CompactHeaders(names, values);
    }
  }
}
