package io.gatehouse.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How {@code admin.token_file} is read, at load and by the reload scan alike: at most {@link #MAX_BYTES} bytes,
 * trimmed of the newline editors and {@code echo} leave. Blocking.
 */
public final class TokenFile {

  public static final int MAX_BYTES = 4096;

  private TokenFile() {}

  /** The token the file holds (empty when it holds only white space); fails when too big or unreadable. */
  public static String read(Path file) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException("must hold at most " + MAX_BYTES + " bytes: " + file);
    }
    return Files.readString(file, StandardCharsets.UTF_8).trim();
  }
}
