package io.gatehouse.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.gatehouse.config.GatehouseConfig.AdminConfig;
import io.gatehouse.config.GatehouseConfig.ClusterConfig;
import io.gatehouse.config.GatehouseConfig.NodeConfig;
import io.gatehouse.config.GatehouseConfig.ReloadConfig;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * JSON text to a validated {@link GatehouseConfig}: the only place configuration records are built. The whole
 * document is walked even after a problem, so one run reports every error with its JSON path.
 */
public final class ConfigParser {
  // duplicate keys would otherwise silently keep the last value; Vert.x's own codec cannot be told to refuse them
  private static final JsonFactory STRICT = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private ConfigParser() {}

  /** Reads and parses a file; relative paths inside it are resolved against the file's folder. */
  public static ConfigResult load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      return failure("cannot read " + file + ": " + reason(e), null);
    }
    // editors on some systems start UTF-8 files with a byte order mark, which is not JSON
    String json = text.startsWith("\uFEFF") ? text.substring(1) : text;
    return parse(json, file.toAbsolutePath().getParent());
  }

  /** Parses a document; {@code baseDir} resolves relative certificate, key and CA paths. */
  public static ConfigResult parse(String jsonText, Path baseDir) {
    Object json;
    try {
      json = decode(jsonText);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      return failure("invalid JSON: " + e.getOriginalMessage()
          + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()), null);
    } catch (IOException e) {
      return failure("invalid JSON: " + e.getMessage(), null);
    }
    String digest = CanonicalJson.digest(json);
    if (!(json instanceof JsonObject root)) {
      return failure("must be an object", digest);
    }
    String sharedDigest = CanonicalJson.sharedDigest(root);
    Problems problems = new Problems();
    GatehouseConfig config = read(new ObjectReader(root, JsonPath.ROOT, problems),
        baseDir == null ? Path.of("") : baseDir);
    problems.reportUnknownFields();
    return new ConfigResult(problems.hasErrors() ? null : config, problems.errors(), problems.warnings(), digest,
        sharedDigest);
  }

  /** Reads the whole document through {@code r}; every field it asks for is recorded in the reader's problems. */
  static GatehouseConfig read(ObjectReader r, Path baseDir) {
    NodeConfig node = node(r.object("node"));
    AdminConfig admin = AdminParser.parse(r.object("admin"), baseDir);
    ClusterConfig clusterConfig = ClusterParser.parse(r.object("cluster"), baseDir);
    ReloadConfig reload = new ReloadConfig(scanPeriod(r.object("reload")));
    Duration drain = r.secondsIn("drain_timeout", 0, 3600, Duration.ofSeconds(30));
    boolean accessLog = r.bool("access_log", true);

    List<ObjectReader> listenerEntries = r.objects("listeners");
    List<ObjectReader> poolEntries = r.objects("pools");
    Declarations declared = Declarations.scan(poolEntries, listenerEntries);
    List<ListenerConfig> listeners = each(listenerEntries, new ListenerParser(declared, baseDir, admin)::parse,
        ListenerConfig::name);
    List<PoolConfig> pools = each(poolEntries, p -> PoolParser.parse(p, baseDir), PoolConfig::name);
    return new GatehouseConfig(node, admin, clusterConfig, reload, drain, accessLog, listeners, pools,
        ClusterParser.sessionKey(r, baseDir), LogConfig.parse(r.object("log")),
        r.oneOf("tls_rsa_signer", RsaSigner::named, "openssl3, boringssl", RsaSigner.OPENSSL3));
  }

  /** Parses every entry of a list whose entries are named uniquely. */
  private static <T> List<T> each(List<ObjectReader> entries, Function<ObjectReader, T> parser,
      Function<T, String> name) {
    List<T> out = new ArrayList<>();
    UniqueNames names = new UniqueNames();
    for (ObjectReader entry : entries) {
      if (entry != null) {
        T parsed = parser.apply(entry);
        names.claim(entry, name.apply(parsed));
        out.add(parsed);
      }
    }
    return out;
  }

  private static NodeConfig node(ObjectReader r) {
    int cores = Math.min(256, Runtime.getRuntime().availableProcessors());
    if (r == null) {
      return new NodeConfig(defaultNodeName(), cores);
    }
    String name = r.has("name") ? r.requiredString("name") : defaultNodeName();
    return new NodeConfig(name, r.intIn("event_loops", 1, 256, cores));
  }

  /** A container's or host's own name when the environment gives one. */
  static String defaultNodeName() {
    String host = System.getenv("HOSTNAME");
    return host == null || host.isBlank() ? "gatehouse" : host;
  }

  private static long scanPeriod(ObjectReader r) {
    Long ms = r == null ? null : r.integer("scan_period_ms");
    if (ms == null) {
      return 1000;
    }
    if (ms != 0 && (ms < 100 || ms > 3_600_000)) {
      r.error("scan_period_ms", "must be 0 (no scanning) or 100-3600000");
      return 1000;
    }
    return ms;
  }

  /** Any JSON value, after a strict pass that refuses duplicate keys and trailing content. */
  private static Object decode(String text) throws IOException {
    try (JsonParser p = STRICT.createParser(text)) {
      if (p.nextToken() == null) {
        throw new IOException("the document is empty");
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        throw new JsonParseException(p, "content after the end of the document");
      }
    }
    return Json.decodeValue(text);
  }

  private static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "No such file";
    }
    if (e instanceof AccessDeniedException) {
      return "Permission denied";
    }
    if (e instanceof MalformedInputException) {
      return "not UTF-8 text";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static ConfigResult failure(String message, String digest) {
    return new ConfigResult(null, List.of(new ConfigError(JsonPath.ROOT, message)), List.of(), digest, digest);
  }
}
