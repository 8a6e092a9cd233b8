package io.gatehouse.config;

import io.gatehouse.testkit.TestCerts;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A small valid document to break one field at a time, and tiny PEM files for the file checks. */
final class TestDocuments {
  /** Marks a field to remove instead of set. */
  static final String REMOVE = "<remove>";

  private TestDocuments() {}

  /** Readable JSON in tests: single quotes stand for double quotes. */
  static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  /** Listeners 0 web (HTTP), 1 tcp, 2 udp, 3 secure (HTTPS, cert.pem/key.pem relative); four pools. */
  static JsonObject base() {
    return new JsonObject(json("""
        { 'listeners': [
            { 'name': 'web', 'protocol': 'HTTP', 'protocol_port': 8080, 'default_pool': 'web-pool',
              'l7_policies': [ { 'name': 'api',
                  'rules': [ { 'type': 'PATH', 'compare_type': 'STARTS_WITH', 'value': '/api/' } ],
                  'action': 'REDIRECT_TO_POOL', 'redirect_pool': 'api-pool' } ] },
            { 'name': 'tcp', 'protocol': 'TCP', 'protocol_port': 9000, 'default_pool': 'tcp-pool' },
            { 'name': 'udp', 'protocol': 'UDP', 'protocol_port': 9053, 'default_pool': 'udp-pool' },
            { 'name': 'secure', 'protocol': 'HTTPS', 'protocol_port': 8443, 'default_pool': 'web-pool',
              'tls': { 'certificate': 'cert.pem', 'private_key': 'key.pem' } } ],
          'pools': [
            { 'name': 'web-pool', 'protocol': 'HTTP', 'members': [ { 'address': '10.0.0.1', 'protocol_port': 80 } ] },
            { 'name': 'api-pool', 'protocol': 'HTTP', 'members': [] },
            { 'name': 'tcp-pool', 'protocol': 'TCP', 'members': [] },
            { 'name': 'udp-pool', 'protocol': 'UDP', 'members': [] } ] }
        """));
  }

  /**
   * Sets (or with {@link #REMOVE} removes) the value at a path like {@code listeners[0].tls.certificate};
   * {@code value} is JSON text in single quotes. Missing objects on the way are created;
   * an index one past the end appends.
   */
  static JsonObject with(JsonObject doc, String path, String value) {
    String[] steps = path.split("\\.");
    Object at = doc;
    for (int i = 0; i < steps.length; i++) {
      String step = steps[i];
      int bracket = step.indexOf('[');
      String field = bracket < 0 ? step : step.substring(0, bracket);
      JsonObject o = (JsonObject) at;
      boolean last = i == steps.length - 1;
      if (bracket >= 0) {
        int index = Integer.parseInt(step.substring(bracket + 1, step.length() - 1));
        JsonArray a = o.getJsonArray(field);
        if (last) {
          if (value.equals(REMOVE)) {
            a.remove(index);
          } else if (index == a.size()) {
            a.add(Json.decodeValue(json(value)));
          } else {
            a.set(index, Json.decodeValue(json(value)));
          }
          return doc;
        }
        at = a.getValue(index);
      } else if (last) {
        if (value.equals(REMOVE)) {
          o.remove(field);
        } else {
          o.put(field, Json.decodeValue(json(value)));
        }
      } else {
        if (o.getValue(field) == null) {
          o.put(field, new JsonObject());
        }
        at = o.getValue(field);
      }
    }
    return doc;
  }

  /** Real PEM fixtures under the names the documents use, so that the certificate checks pass. */
  static void writePems(Path dir) throws IOException {
    Files.copy(TestCerts.RSA_CERT, dir.resolve("cert.pem"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(TestCerts.RSA_KEY, dir.resolve("key.pem"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(TestCerts.API_CERT, dir.resolve("sni-cert.pem"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(TestCerts.API_KEY, dir.resolve("sni-key.pem"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(TestCerts.CA_CERT, dir.resolve("ca.pem"), StandardCopyOption.REPLACE_EXISTING);
    for (String key : new String[] {"key.pem", "sni-key.pem"}) {
      Files.setPosixFilePermissions(dir.resolve(key), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
  }

  /** A folder holding the PEM fixtures ({@link #writePems}), made once per JVM, for tests that only parse. */
  static Path pemDir() {
    return PemDir.DIR;
  }

  /** Parses {@code doc} with its relative files resolved against {@link #pemDir}. */
  static ConfigResult parse(JsonObject doc) {
    return ConfigParser.parse(doc.encode(), pemDir());
  }

  private static final class PemDir {
    static final Path DIR = create();

    private static Path create() {
      try {
        Path dir = Files.createTempDirectory("gatehouse-pems");
        dir.toFile().deleteOnExit(); // registered first: deleted last, once empty
        writePems(dir);
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
          files.forEach(f -> f.toFile().deleteOnExit());
        }
        return dir;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
