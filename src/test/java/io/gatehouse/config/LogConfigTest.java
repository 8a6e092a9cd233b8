package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.base;
import static io.gatehouse.config.TestDocuments.with;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The top-level {@code log} section and the request-ID names of {@code insert_headers}. */
class LogConfigTest {

  @TempDir
  static Path dir;

  @BeforeAll
  static void pems() throws IOException {
    TestDocuments.writePems(dir);
  }

  private static ConfigResult parse(String path, String value) {
    return ConfigParser.parse(with(base(), path, value).encode(), dir);
  }

  @Test
  void defaultsAreInfoTextAndTextWithRequestIdsOnAndTraceparentOff() {
    ConfigResult r = ConfigParser.parse(base().encode(), dir);
    assertEquals(LogConfig.DEFAULTS, r.config().log());
    assertEquals(new LogConfig(LogConfig.Level.INFO, LogConfig.Format.TEXT, LogConfig.Format.TEXT), r.config().log());
    InsertHeaders h = r.config().listener("web").orElseThrow().insertHeaders();
    assertEquals(true, h.xRequestId());
    assertEquals(false, h.traceparent());
  }

  @Test
  void everyFieldIsRead() {
    ConfigResult r = parse("log", "{'level':'debug','format':'json','access_format':'json'}");
    assertEquals(new LogConfig(LogConfig.Level.DEBUG, LogConfig.Format.JSON, LogConfig.Format.JSON), r.config().log());
    InsertHeaders h = parse("listeners[0].insert_headers", "{'X-Request-Id':false,'traceparent':true}").config()
        .listener("web").orElseThrow().insertHeaders();
    assertEquals(false, h.xRequestId());
    assertEquals(true, h.traceparent());
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "log.level         | 'verbose' | $.log.level: must be one of error, warn, info, debug",
      "log.level         | 'INFO'    | $.log.level: must be one of error, warn, info, debug",
      "log.format        | 'xml'     | $.log.format: must be one of text, json",
      "log.access_format | 'clf'     | $.log.access_format: must be one of text, json",
      "log.access_format | 1         | $.log.access_format: must be a string",
      "log               | 'json'    | $.log: must be an object",
      "log.formt         | 'json'    | $.log.formt: unknown field (did you mean format?)",
      "listeners[0].insert_headers.X-Request-Id | 'yes' | $.listeners[0].insert_headers['X-Request-Id']: must be a boolean",
  })
  void aBadValueIsTheContractLine(String path, String value, String line) {
    assertEquals(List.of("config error: " + line), parse(path, value).errorLines());
  }
}
