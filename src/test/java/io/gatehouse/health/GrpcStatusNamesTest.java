package io.gatehouse.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GrpcStatusNamesTest {

  @Test
  void knownCodesAreNamedAndTheMembersOwnTextIsNotRepeated() {
    assertEquals("5 NOT_FOUND", GrpcStatusNames.of("5"));
    assertEquals("12 UNIMPLEMENTED", GrpcStatusNames.of("12"));
    assertEquals("16 UNAUTHENTICATED", GrpcStatusNames.of("16"));
    assertEquals("17", GrpcStatusNames.of("17"));
    assertEquals("not a number", GrpcStatusNames.of("oops\r\nFAKE LOG LINE"));
    assertEquals("not a number", GrpcStatusNames.of(""));
    assertEquals("not a number", GrpcStatusNames.of("99999999999"));
  }
}
