package io.gatehouse.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/** File paths named in the configuration: resolved against the configuration's folder and checked. */
final class ConfigFiles {

  private ConfigFiles() {}

  /** The resolved path when {@code field} names a readable file, else null with the problem reported. */
  static Path file(ObjectReader r, String field, Path baseDir) {
    String text = r.string(field);
    if (text == null) {
      return null;
    }
    if (text.isEmpty()) {
      r.error(field, "must not be empty");
      return null;
    }
    Path path;
    try {
      path = baseDir.resolve(text).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      r.error(field, "invalid path: " + e.getReason());
      return null;
    }
    String problem = problem(path);
    if (problem != null) {
      r.error(field, problem);
      return null;
    }
    return path;
  }

  /** Why {@code path} cannot be read as a file, or null when it can. */
  static String problem(Path path) {
    return !Files.exists(path) ? "file not found: " + path
        : !Files.isRegularFile(path) ? "not a file: " + path
        : !Files.isReadable(path) ? "file not readable: " + path
        : null;
  }

  /** Group or world read permission on a POSIX file system (elsewhere: not known, no warning). */
  static boolean readableByOthers(Path file) {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      return p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ);
    } catch (UnsupportedOperationException | IOException e) {
      return false;
    }
  }
}
