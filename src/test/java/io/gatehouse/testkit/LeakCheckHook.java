package io.gatehouse.testkit;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.lifecycle.AroundContainerHook;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.ContainerLifecycleContext;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import org.opentest4j.AssertionFailedError;

/**
 * {@link LeakCheckExtension} for jqwik, whose properties Jupiter extensions do not see: fails the property during
 * which a leak or blocked thread was reported, or the class when the report appears only after a garbage
 * collection after it (outside its {@code @AfterContainer} methods). Registered globally by
 * META-INF/services/net.jqwik.api.lifecycle.LifecycleHook.
 */
public final class LeakCheckHook implements AroundContainerHook, AroundPropertyHook {

  /** Further out than jqwik's own lifecycle methods hooks (-10): after {@code @AfterContainer} and the like. */
  private static final int OUTERMOST = -100;

  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS;
  }

  @Override
  public boolean appliesTo(Optional<AnnotatedElement> element) {
    return element.map(e -> e instanceof Class || e instanceof Method).orElse(false);
  }

  @Override
  public void beforeContainer(ContainerLifecycleContext context) {
    LeakCheck.install();
  }

  @Override
  public void afterContainer(ContainerLifecycleContext context) {
    // a @Group (an inner class) leaves its reports to its properties or its top-level class
    boolean topLevel = context.optionalContainerClass()
        .map(c -> c.getEnclosingClass() == null || Modifier.isStatic(c.getModifiers())).orElse(false);
    if (!topLevel) {
      return;
    }
    try {
      LeakCheck.collectGarbage();
      List<String> found = LeakCheck.drain();
      if (!found.isEmpty()) {
        throw new AssertionFailedError(LeakCheck.failure("after this class's properties or outside them", found));
      }
    } finally {
      LeakCheck.forgetChildLogs();
    }
  }

  @Override
  public int proximity() {
    return OUTERMOST;
  }

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
    PropertyExecutionResult result = property.execute();
    List<String> found = LeakCheck.drain();
    if (found.isEmpty()) {
      return result;
    }
    AssertionFailedError failure = new AssertionFailedError(LeakCheck.failure("during this property", found));
    result.throwable().ifPresent(failure::addSuppressed);
    return result.mapToFailed(failure);
  }

  @Override
  public int aroundPropertyProximity() {
    return OUTERMOST;
  }
}
