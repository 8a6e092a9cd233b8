package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.gatehouse.config.PathRules;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathTest {

  /** Each path, normal with the defaults, and without merging slashes but keeping escaped ones. */
  @ParameterizedTest(name = "{0} -> {1} (unmerged, escaped slashes kept: {2})")
  @CsvSource(delimiter = '|', nullValues = "NULL", value = {
      // the bypass forms of a rule for /admin
      "/%61dmin         | /admin   | /admin",
      "//admin          | /admin   | //admin",
      "/./admin         | /admin   | /admin",
      "/x/../admin      | /admin   | /admin",
      "/%2e/admin       | /admin   | /admin",
      "/x/%2e%2E/admin  | /admin   | /admin",
      "/x/.%2e/admin    | /admin   | /admin",
      // unreserved escapes decoded, the others kept with upper-case hex
      "/%7euser/%41%5a%30%2D%5F | /~user/AZ0-_     | /~user/AZ0-_",
      "/a%20b/%3a%3F%25         | /a%20b/%3A%3F%25 | /a%20b/%3A%3F%25",
      "/caf%c3%a9               | /caf%C3%A9       | /caf%C3%A9",
      "/%2525                   | /%2525           | /%2525",
      "/a%2fb                   | NULL             | /a%2Fb",
      "/a%5Cb/%2e               | NULL             | /a%5Cb/",
      // dot segments (RFC 3986 5.2.4) and repeated slashes
      "/a/b/../c    | /a/c    | /a/c",
      "/a/./b/.     | /a/b/   | /a/b/",
      "/a/b/..      | /a/     | /a/",
      "/a/..        | /       | /",
      "/.           | /       | /",
      "/a//b///c//  | /a/b/c/ | /a//b///c//",
      "///          | /       | ///",
      "/a/..//b     | /b      | //b",
      "/a//b/../c   | /a/c    | /a//c",
      "/a//..       | /       | /a/",
      "/%2e%2e/a    | NULL    | NULL",
      // not folded: letter case, ';' parameters, a '.' that is not a whole segment
      "/Admin           | /Admin       | /Admin",
      "/admin;x=1/../y  | /y           | /y",
      "/...;/a;./b;..   | /...;/a;./b;.. | /...;/a;./b;..",
      "/a.b/..c/.d/     | /a.b/..c/.d/ | /a.b/..c/.d/"})
  void normalises(String path, String normal, String unmergedKeepingEscapedSlashes) {
    assertEquals(normal, RequestPath.normalise(path, PathRules.DEFAULTS), path);
    assertEquals(unmergedKeepingEscapedSlashes, RequestPath.normalise(path, new PathRules(false, true)), path);
  }

  /** What a member might read otherwise than the policies did: above the root, escaped slashes, bad bytes. */
  @ParameterizedTest
  @ValueSource(strings = {
      "/../admin",
      "/a/../../admin",
      "/%2e%2e/admin",
      "/a%2Fb",
      "/a%5cb",
      "/a%00b",
      "/a%1Fb",
      "/a%7Fb",
      "/a%zzb",
      "/a%",
      "/a%4",
      "/a%4/b",
      "/a\\b",
      "/a\"b",
      "/a b",
      "/a#b",
      "/a{b}",
      "/a|b",
      "/a^b",
      "/a`b",
      "/a<b>",
      "/a[b]",
      "/caf\u00e9",
      "/a\u0001b",
      "/a\u007fb",
      "a/b",
      "*",
      // a dot segment with parameters: Tomcat, Jetty and Spring drop the parameters, then the segment
      "/..;/admin",
      "/x/..;jsessionid=1/admin",
      "/.;x/admin",
      "/x/%2e%2E;/admin",
      "/x/.%2e;"})
  void refuses(String path) {
    assertNull(RequestPath.normalise(path, PathRules.DEFAULTS), path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/admin", "/a/b/c/", "/a-b_c.d~e/!$&'()*+,;=:@", "/.well-known/x", "/a..b/c.",
      "/a;x/...;y/.a;"})
  void aNormalPathIsTheSameStringNotACopy(String path) {
    assertSame(path, RequestPath.normalise(path, PathRules.DEFAULTS));
  }

  @Test
  void anEmptyPathIsRefused() {
    assertNull(RequestPath.normalise("", PathRules.DEFAULTS));
  }

  @Property(tries = 2000)
  void normalisingTwiceEqualsOnce(@ForAll("paths") String path, @ForAll boolean merge, @ForAll boolean keep) {
    PathRules rules = new PathRules(merge, keep);
    String once = RequestPath.normalise(path, rules);
    if (once != null) {
      assertEquals(once, RequestPath.normalise(once, rules), path);
    }
  }

  @Property(tries = 2000)
  void aNormalPathHasNoDotSegmentAndWithMergeNoRepeatedSlash(@ForAll("paths") String path, @ForAll boolean keep) {
    String normal = RequestPath.normalise(path, new PathRules(true, keep));
    if (normal != null) {
      assertFalse(normal.contains("//"), normal);
      assertFalse(normal.contains("/./") || normal.contains("/../"), normal);
      assertFalse(normal.endsWith("/.") || normal.endsWith("/.."), normal);
    }
    String unmerged = RequestPath.normalise(path, new PathRules(false, keep));
    if (unmerged != null) {
      assertFalse(unmerged.contains("/./") || unmerged.contains("/../"), unmerged);
    }
  }

  @Property(tries = 500)
  void pathsOfAllowedCharactersAndDotSegmentsNotClimbingOutAreNeverRefused(@ForAll("safePaths") String path) {
    assertNotNull(RequestPath.normalise("/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x" + path, PathRules.DEFAULTS), path);
  }

  /** Paths made of the pieces that matter: slashes, dots, escapes (good, bad, of slashes and dots), letters. */
  @Provide
  Arbitrary<String> paths() {
    Arbitrary<String> piece = Arbitraries.of("/", "/", ".", "..", "a", "B", "%2e", "%2E", "%2f", "%5C", "%41", "%7e",
        "%25", "%20", "%c3%a9", "%", "%g1", ";", "~", "-", "%00");
    return piece.list().ofMaxSize(12).map(l -> "/" + String.join("", l));
  }

  @Provide
  Arbitrary<String> safePaths() {
    // ';' after a letter: a dot segment with parameters is refused
    Arbitrary<String> piece = Arbitraries.of("/", ".", "..", "/..", "/.", "a", "%2e", "%41", "%20", "a;", "=", "@", ":");
    return piece.list().ofMaxSize(12).map(l -> "/" + String.join("", l));
  }
}
