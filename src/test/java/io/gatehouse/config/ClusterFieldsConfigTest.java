package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.base;
import static io.gatehouse.config.TestDocuments.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster fields of the second round: {@code cluster.name}, {@code accept_secret_files}, {@code insecure}, the
 * top-level {@code session_key_file}; and a digest that does not change with a secret.
 */
class ClusterFieldsConfigTest {
  private static final String OLD = "0ld-secret-0123456789abcdef0123";
  private static final String NEW = "new-secret-0123456789abcdef0123";

  @TempDir
  Path dir;

  @BeforeEach
  void pems() throws IOException {
    TestDocuments.writePems(dir);
  }

  private ConfigResult parse(JsonObject doc) {
    return ConfigParser.parse(doc.encode(), dir);
  }

  private void file(String name, String content) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
  }

  private static ClusterSecret secret(String s) {
    return new ClusterSecret(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void clusterNameIsReadAndChecked() {
    assertEquals("edge-1.eu_west", parse(with(base(), "cluster.name", "'edge-1.eu_west'")).config().cluster().name());
    assertNull(parse(base()).config().cluster().name(), "absent: the Hazelcast file's name applies");
    assertEquals(List.of("config error: $.cluster.name: must be 1-64 letters, digits, '.', '_' or '-'"),
        parse(with(base(), "cluster.name", "'edge 1'")).errorLines());
    assertEquals(List.of("config error: $.cluster.nmae: unknown field (did you mean name?)"),
        parse(with(base(), "cluster.nmae", "'edge'")).errorLines());
  }

  @Test
  void acceptedSecretFilesAreReadOnceEachAndNeedACurrentSecret() throws IOException {
    file("old.secret", OLD + "\n");
    file("new.secret", NEW);
    ConfigResult r = parse(with(with(base(), "cluster.secret_file", "'new.secret'"),
        "cluster.accept_secret_files", "['old.secret', 'old.secret']"));
    assertEquals(List.of(), r.errorLines());
    assertEquals(secret(NEW), r.config().cluster().secret());
    assertEquals(List.of(secret(OLD)), r.config().cluster().accepted());
    assertEquals(List.of(), parse(with(base(), "cluster.secret", "'" + NEW + "'")).config().cluster().accepted(),
        "default: none");

    assertEquals(List.of("config error: $.cluster.accept_secret_files: needs secret or secret_file: accepted "
        + "secrets only open what the current one seals"),
        parse(with(base(), "cluster.accept_secret_files", "['old.secret']")).errorLines());
    assertEquals(List.of("config error: $.cluster.accept_secret_files[0]: must be a file path",
        "config error: $.cluster.accept_secret_files[1]: file not found: " + dir.resolve("gone.secret")),
        parse(with(with(base(), "cluster.secret", "'" + NEW + "'"), "cluster.accept_secret_files",
            "[7, 'gone.secret']")).errorLines());
  }

  @Test
  void insecureIsABooleanOffByDefault() {
    assertFalse(parse(base()).config().cluster().insecure());
    assertTrue(parse(with(base(), "cluster.insecure", "true")).config().cluster().insecure());
    assertEquals(1, parse(with(base(), "cluster.insecure", "'yes'")).errorLines().size());
    assertTrue(parse(with(base(), "cluster.insecure", "'yes'")).errorLines().get(0)
        .startsWith("config error: $.cluster.insecure: "));
  }

  @Test
  void sessionKeyFileIsReadAtTheTopLevel() throws IOException {
    file("session.key", NEW + "\n");
    assertEquals(secret(NEW), parse(with(base(), "session_key_file", "'session.key'")).config().sessionKey());
    assertNull(parse(base()).config().sessionKey(), "absent: a key made up per process");
    file("empty.key", "\n");
    assertEquals(List.of("config error: $.session_key_file: file is empty: " + dir.resolve("empty.key")),
        parse(with(base(), "session_key_file", "'empty.key'")).errorLines());
    assertEquals(List.of("config error: $.session_key_file: file not found: " + dir.resolve("nope.key")),
        parse(with(base(), "session_key_file", "'nope.key'")).errorLines());
    file("short.key", "abcdefgh\n");
    ConfigResult shortOne = parse(with(base(), "session_key_file", "'short.key'"));
    assertTrue(shortOne.ok(), "a warning, as for a short cluster.secret");
    assertEquals(List.of("config warning: $.session_key_file: shorter than 16 bytes, so it can be guessed offline"
        + " from any TLS session ticket or sticky cookie; use e.g. openssl rand -hex 32"), shortOne.warnings());
    assertEquals(List.of(), parse(with(base(), "session_key_file", "'session.key'")).warnings());
  }

  @Test
  void theDigestIsTheSameWhateverTheSecretsAre() {
    String blanked = parse(with(with(base(), "cluster.secret", "'" + OLD + "'"), "admin.token", "'t0ken-one'"))
        .digest();
    assertEquals(blanked, parse(with(with(base(), "cluster.secret", "'" + NEW + "'"), "admin.token", "'t0ken-two'"))
        .digest(), "only secrets differ");
    assertEquals(parse(with(base(), "listeners[3].tls.private_key_pem", "'-----BEGIN one'")).digest(),
        parse(with(base(), "listeners[3].tls.private_key_pem", "'-----BEGIN two'")).digest(), "inline keys");
    assertNotEquals(blanked, parse(with(with(base(), "cluster.secret", "'" + OLD + "'"), "admin.token",
        "'t0ken-one'").put("drain_timeout", 5)).digest(), "anything else still changes it");
  }
}
