package io.gatehouse.tls;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.TlsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The {@code config warning:} lines of what a listener's policy loses on its engine: suites the engine lacks
 * (BoringSSL has no CBC-SHA256/SHA384 suites, neither engine the TLS 1.3 CCM ones), by their OpenSSL names as the
 * policy table and testssl.sh show them. Printed by {@code --check} and at start-up.
 */
public final class EngineWarnings {

  private EngineWarnings() {}

  public static List<String> of(GatehouseConfig config) {
    List<ListenerConfig> listeners = config.listeners();
    // asking the JDK for its suites fixes its disabled protocols for the process: TLS 1.0/1.1 first, where needed
    TlsEngine.prepareJdk(listeners.stream().map(ListenerConfig::tls).filter(t -> t != null).toList());
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < listeners.size(); i++) {
      TlsConfig tls = listeners.get(i).tls();
      if (tls != null) {
        String line = lost(tls);
        if (line != null) {
          lines.add("config warning: $.listeners[" + i + "].tls.engine: " + line);
        }
      }
    }
    return lines;
  }

  /** What the listener's policy loses on its engine, or null when it is served whole. */
  static String lost(TlsConfig tls) {
    TlsEngine engine = TlsEngine.of(tls.engine());
    TlsPolicy policy = TlsPolicy.of(tls.securityPolicy());
    List<String> missing = engine.missing(policy);
    if (missing.isEmpty()) {
      return null;
    }
    TlsEngine other = engine == TlsEngine.OPENSSL ? TlsEngine.JDK : TlsEngine.OPENSSL;
    List<String> elsewhere = other.missing(policy);
    long recoverable = other.available() ? missing.stream().filter(s -> !elsewhere.contains(s)).count() : 0;
    return "policy " + policy.name().configName() + " loses " + missing.size() + " of its " + policy.suites().size()
        + " suites on engine " + engine.configName() + ": "
        + missing.stream().map(TlsPolicy::opensslName).collect(Collectors.joining(", "))
        + (recoverable == 0 ? " (no engine has them)"
            : " (engine " + other.configName() + " serves " + recoverable + " of them)");
  }
}
