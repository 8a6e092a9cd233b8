package io.gatehouse;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The version and commit this jar was built from, written by the build (src/main/build/build-info.sh) rather than
 * kept in code, so that {@code --version} and {@code gatehouse_build_info} cannot drift from the release.
 */
record BuildInfo(String version, String commit) {
  static final String UNKNOWN = "unknown";
  private static final BuildInfo CURRENT = load();

  static BuildInfo current() {
    return CURRENT;
  }

  /** {@code gatehouse <version> (<commit>)}. */
  @Override
  public String toString() {
    return "gatehouse " + version + " (" + commit + ")";
  }

  private static BuildInfo load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // classes run without the build's resource (an IDE): say unknown rather than fail
    }
    return new BuildInfo(p.getProperty("version", UNKNOWN), p.getProperty("commit", UNKNOWN));
  }

  /** picocli's {@code --version}. */
  static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {current().toString()};
    }
  }
}
