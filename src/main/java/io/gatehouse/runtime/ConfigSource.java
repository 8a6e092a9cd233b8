package io.gatehouse.runtime;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The configuration file as text, through Vert.x Config: a file store in {@code raw} format (so that our own
 * parser sees the exact text and reports invalid JSON with its position), scanned every
 * {@code reload.scan_period_ms} (0: only on demand). The retriever compares each scan with the last and calls
 * back only on a change; {@link #read} forces a read for {@code POST /api/v1/reload}.
 */
final class ConfigSource {

  private static final String KEY = "text";

  private final ConfigRetriever retriever;

  ConfigSource(Vertx vertx, Path file, long scanPeriodMs, Consumer<String> onChange) {
    ConfigStoreOptions store = new ConfigStoreOptions().setType("file").setFormat("raw")
        .setConfig(new JsonObject().put("path", file.toString()).put("raw.key", KEY).put("raw.type", "string"));
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().addStore(store)
        .setIncludeDefaultStores(false)
        .setScanPeriod(scanPeriodMs > 0 ? scanPeriodMs : -1);
    this.retriever = ConfigRetriever.create(vertx, options);
    retriever.listen(change -> onChange.accept(change.getNewConfiguration().getString(KEY)));
  }

  /** Reads the file now (asynchronously). */
  Future<String> read() {
    return retriever.getConfig().map(json -> json.getString(KEY));
  }

  void close() {
    retriever.close();
  }
}
