package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.base;
import static io.gatehouse.config.TestDocuments.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cluster.secret} and {@code cluster.secret_file}: read, checked, compared, and never printed. */
class ClusterSecretConfigTest {
  private static final String SECRET = "3f9c1e0b7a6d4c2e8f1a0b9c7d6e5f4a";

  @TempDir
  Path dir;

  @BeforeEach
  void pems() throws IOException {
    TestDocuments.writePems(dir);
  }

  private ConfigResult cluster(String field, String value) {
    return ConfigParser.parse(with(base(), "cluster." + field, value).encode(), dir);
  }

  private Path secretFile(String content, String mode) throws IOException {
    Path f = dir.resolve("cluster.secret");
    Files.writeString(f, content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    return f;
  }

  @Test
  void aSecretFileHoldsTheSameSecretAsTheInlineFieldWithoutItsFinalNewline() throws IOException {
    secretFile(SECRET + "\n", "rw-------");
    ConfigResult fromFile = cluster("secret_file", "'cluster.secret'");
    ConfigResult inline = cluster("secret", "'" + SECRET + "'");
    assertEquals(List.of(), fromFile.errorLines());
    assertEquals(List.of(), fromFile.warnings());
    assertEquals(inline.config().cluster().secret(), fromFile.config().cluster().secret());
    assertEquals(inline.config().cluster(), fromFile.config().cluster(), "same secret: no restart needed");
    assertNotEquals(inline.config().cluster(), cluster("secret", "'" + SECRET + "x'").config().cluster());
    assertNull(ConfigParser.parse(base().encode(), dir).config().cluster().secret());
  }

  @Test
  void theSecretIsNeverPrinted() {
    GatehouseConfig c = cluster("secret", "'" + SECRET + "'").config();
    assertFalse(c.toString().contains(SECRET), c.cluster().toString());
    assertEquals("ClusterSecret[redacted]", c.cluster().secret().toString());
  }

  @Test
  void keysAreDerivedPerPurposeAndPerSecretAndTheIdNamesTheSecretOnly() {
    ClusterSecret s = new ClusterSecret(SECRET.getBytes());
    ClusterSecret other = new ClusterSecret((SECRET + "x").getBytes());
    assertEquals(32, s.derive("a").length);
    assertTrue(java.util.Arrays.equals(s.derive("a"), new ClusterSecret(SECRET.getBytes()).derive("a")));
    assertFalse(java.util.Arrays.equals(s.derive("a"), s.derive("b")));
    assertFalse(java.util.Arrays.equals(s.derive("a"), other.derive("a")));
    assertEquals(ClusterSecret.ID_BYTES, s.id().length);
    assertFalse(java.util.Arrays.equals(s.id(), other.id()));
    assertFalse(new String(s.derive("a"), java.nio.charset.StandardCharsets.ISO_8859_1).contains(SECRET));
  }

  @Test
  void anEmptySecretFileIsAnError() throws IOException {
    Path f = secretFile("\n", "rw-------");
    assertEquals(List.of("config error: $.cluster.secret_file: file is empty: " + f),
        cluster("secret_file", "'cluster.secret'").errorLines());
  }

  @Test
  void anUnreadableSecretFileIsAnError() throws IOException {
    Path f = secretFile(SECRET, "---------");
    assumeFalse(Files.isReadable(f), "running as root: every file is readable");
    assertEquals(List.of("config error: $.cluster.secret_file: file not readable: " + f),
        cluster("secret_file", "'cluster.secret'").errorLines());
  }

  @Test
  void bothFieldsAreAnError() throws IOException {
    secretFile(SECRET, "rw-------");
    ConfigResult r = ConfigParser.parse(with(with(base(), "cluster.secret", "'" + SECRET + "'"),
        "cluster.secret_file", "'cluster.secret'").encode(), dir);
    assertEquals(List.of("config error: $.cluster.secret_file: give either secret or secret_file, not both"),
        r.errorLines());
    assertEquals(List.of(), r.warnings());
  }

  @Test
  void warnsOfASecretFileOthersCanReadAndOfAShortSecret() throws IOException {
    Path f = secretFile(SECRET, "rw-r--r--");
    ConfigResult r = cluster("secret_file", "'cluster.secret'");
    assertTrue(r.ok());
    assertEquals(List.of("config warning: $.cluster.secret_file: secret file " + f
        + " can be read by other users; chmod 600 it"), r.warnings());
    ConfigResult shortOne = cluster("secret", "'hunter2'");
    assertTrue(shortOne.ok());
    assertEquals(List.of("config warning: $.cluster.secret: shorter than 16 bytes, so it can be guessed "
        + "offline from any sealed entry; use e.g. openssl rand -hex 32"), shortOne.warnings());
  }
}
