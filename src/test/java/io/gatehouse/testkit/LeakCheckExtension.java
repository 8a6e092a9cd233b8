package io.gatehouse.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails the test during which Netty reported a leak or Vert.x a blocked thread ({@link LeakCheck}), or the class
 * when the report appears only after it: a leaked buffer is reported once the GC has collected it, so after each
 * top-level class (its own {@code @AfterAll} methods and extensions done: auto-detected extensions wrap all
 * others) garbage is collected and the reports drained. Registered for every Jupiter class by
 * META-INF/services/org.junit.jupiter.api.extension.Extension and junit-platform.properties.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    LeakCheck.install();
    if (Boolean.getBoolean("gatehouse.leakcheck.cost")) {
      // printed once the engine is done: what the collections after each class cost
      context.getRoot().getStore(ExtensionContext.Namespace.create(LeakCheckExtension.class))
          .getOrComputeIfAbsent("cost", k -> (ExtensionContext.Store.CloseableResource)
              () -> System.out.println("LeakCheck: " + LeakCheck.cost()));
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    check("during this test");
  }

  @Override
  public void afterAll(ExtensionContext context) {
    boolean topLevel = context.getParent().flatMap(ExtensionContext::getParent).isEmpty();
    if (!topLevel) {
      check("during this nested class, outside its tests");
      return;
    }
    try {
      LeakCheck.collectGarbage();
      check("after this class's tests (a leak is only reported once the buffer is collected) or outside them");
    } finally {
      LeakCheck.forgetChildLogs();
    }
  }

  private static void check(String when) {
    List<String> found = LeakCheck.drain();
    if (!found.isEmpty()) {
      fail(LeakCheck.failure(when, found));
    }
  }
}
