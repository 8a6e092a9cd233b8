package io.gatehouse.testkit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Collects a gateway's access log lines (and echoes them to stdout for the test report). */
final class AccessLogCapture {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream stream = new PrintStream(new java.io.OutputStream() {
    @Override
    public void write(int b) {
      synchronized (bytes) {
        bytes.write(b);
      }
      System.out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (bytes) {
        bytes.write(b, off, len);
      }
      System.out.write(b, off, len);
    }
  }, true, StandardCharsets.UTF_8);

  PrintStream stream() {
    return stream;
  }

  /** The lines written so far that contain {@code text}. */
  List<String> matching(String text) {
    String all;
    synchronized (bytes) {
      all = bytes.toString(StandardCharsets.UTF_8);
    }
    return Arrays.stream(all.split("\n")).filter(l -> l.contains(text)).toList();
  }

  String await(String text) {
    AtomicReference<String> found = new AtomicReference<>();
    Await.until(Duration.ofSeconds(10), () -> {
      String all;
      synchronized (bytes) {
        all = bytes.toString(StandardCharsets.UTF_8);
      }
      Arrays.stream(all.split("\n")).filter(l -> l.contains(text)).findFirst().ifPresent(found::set);
      return found.get() != null;
    }, () -> "no access log line with " + text);
    return found.get();
  }
}
