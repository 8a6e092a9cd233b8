package io.gatehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.config.ListenerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the Dockerfile promises, read from the files (this machine has no Docker daemon to build with): a non-root
 * user, a health check on /health, the launcher, and a container configuration whose listeners -p can reach and
 * which needs no private key.
 */
class ContainerImageTest {

  @Test
  void theImageRunsTheLauncherAsANonRootUserWithAHealthCheck() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("Dockerfile"));
    String runtime = String.join("\n", lines.subList(lastIndexStarting(lines, "FROM "), lines.size()));
    assertTrue(runtime.lines().anyMatch(l -> l.matches("USER (?!root|0\\b)\\S+")), runtime);
    assertTrue(runtime.contains("HEALTHCHECK") && runtime.contains("/health"), runtime);
    assertTrue(runtime.contains("ENTRYPOINT [\"/app/bin/gatehouse\"]"), runtime);
    assertTrue(runtime.contains("COPY conf/container.json /app/conf/gatehouse.json"), runtime);
    assertFalse(runtime.lines().anyMatch(l -> l.matches("COPY conf(/certs)?/? .*")), "the demo key stays out");
  }

  @Test
  void theContainerConfigurationListensOnEveryAddressWithoutAKey() {
    ConfigResult result = ConfigParser.load(Path.of("conf/container.json"));
    assertTrue(result.ok(), result.errorLines()::toString);
    for (ListenerConfig l : result.config().listeners()) {
      assertEquals("0.0.0.0", l.host(), l.name());
      assertEquals(null, l.tls(), l.name());
    }
    assertEquals("127.0.0.1", result.config().admin().host(), "no admin API beyond the container without a token");
  }

  private static int lastIndexStarting(List<String> lines, String prefix) {
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no " + prefix + "line");
  }
}
