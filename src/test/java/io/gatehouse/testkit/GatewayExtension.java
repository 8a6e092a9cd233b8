package io.gatehouse.testkit;

import static io.gatehouse.testkit.Configs.head;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up end-to-end test classes share, registered on a static field with {@code @RegisterExtension}:
 * members on one {@link Backends} for the whole class (ready before the class's {@code @BeforeAll} methods run),
 * and a gateway per test, stopped after it; or, for a class of many quick cases, one gateway for the whole class
 * ({@link #startForClass(String, String, String)} or {@link #startForClass(String)} from {@code @BeforeAll}),
 * stopped after the class.
 */
public final class GatewayExtension implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {

  private final String listenerName;
  private final String listenerProtocol;
  private final String poolProtocol;
  private Backends backends;
  private GatewayHarness harness;
  private GatewayHarness classHarness;
  private int port;

  private GatewayExtension(String listenerName, String listenerProtocol, String poolProtocol) {
    this.listenerName = listenerName;
    this.listenerProtocol = listenerProtocol;
    this.poolProtocol = poolProtocol;
  }

  /** For classes that write their whole configuration: {@link #start(String)} only. */
  public static GatewayExtension rawConfig() {
    return new GatewayExtension(null, null, null);
  }

  /** Listener {@code name} of {@code protocol} in front of pool {@code p} of {@code poolProtocol}. */
  public static GatewayExtension listener(String name, String protocol, String poolProtocol) {
    return new GatewayExtension(name, protocol, poolProtocol);
  }

  public Backends backends() {
    return backends;
  }

  /** Starts a gateway on {@code json}; it is stopped after the test. */
  public GatewayHarness start(String json) {
    harness = GatewayHarness.start(json);
    return harness;
  }

  /**
   * Starts a gateway with the one listener on a fresh port ({@link #port()}) in front of pool {@code p};
   * {@code listenerExtra} and {@code poolExtra} add fields (each starting with a comma, or empty).
   */
  public GatewayHarness start(String listenerExtra, String poolExtra, String membersJson) {
    if (listenerName == null) {
      throw new IllegalStateException("no listener declared: use start(json)");
    }
    port = TestPorts.free();
    return start("{" + head() + """
        "listeners":[{"name":"%s","protocol":"%s","host":"127.0.0.1","protocol_port":%d,
                      "default_pool":"p"%s}],
        "pools":[{"name":"p","protocol":"%s"%s,"members":%s}]}
        """.formatted(listenerName, listenerProtocol, port, listenerExtra, poolProtocol, poolExtra, membersJson));
  }

  /**
   * Like {@link #start(String, String, String)}, from a {@code @BeforeAll} method: the gateway serves every test of
   * the class and is stopped after the class, before the members.
   */
  public GatewayHarness startForClass(String listenerExtra, String poolExtra, String membersJson) {
    return forClass(start(listenerExtra, poolExtra, membersJson));
  }

  /** Like {@link #start(String)}, from a {@code @BeforeAll} method: the gateway serves the whole class. */
  public GatewayHarness startForClass(String json) {
    return forClass(start(json));
  }

  private GatewayHarness forClass(GatewayHarness started) {
    classHarness = started;
    harness = null;
    return classHarness;
  }

  /** The current gateway, no longer stopped after the test: the test stops it itself (to watch a drain). */
  public GatewayHarness takeOver() {
    GatewayHarness h = harness;
    harness = null;
    return h;
  }

  /** The listener's port of the last {@link #start(String, String, String)}. */
  public int port() {
    return port;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    backends = new Backends();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (harness != null) {
      harness.close();
      harness = null;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      if (classHarness != null) {
        classHarness.close();
        classHarness = null;
      }
    } finally {
      backends.close();
    }
  }
}
