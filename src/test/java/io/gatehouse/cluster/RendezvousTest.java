package io.gatehouse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {

  static final List<String> NODES = List.of("gw-0", "gw-1", "gw-2");

  @Test
  void everyNodeAgreesWhateverTheOrderAndKeysSpreadEvenly() {
    Map<String, Integer> owned = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      String key = "pool/10.0.0." + (i % 250) + ":" + (8000 + i);
      String owner = Rendezvous.owner(NODES, key);
      assertEquals(owner, Rendezvous.owner(List.of("gw-2", "gw-0", "gw-1"), key));
      owned.merge(owner, 1, Integer::sum);
    }
    owned.values().forEach(n -> assertTrue(n > 800 && n < 1200, "uneven: " + owned));
  }

  @Test
  void aNodeLeavingMovesOnlyTheKeysItOwned() {
    for (int i = 0; i < 3000; i++) {
      String key = "pool/m" + i;
      String before = Rendezvous.owner(NODES, key);
      String after = Rendezvous.owner(List.of("gw-0", "gw-2"), key);
      if (!before.equals("gw-1")) {
        assertEquals(before, after, key);
      }
    }
    assertNull(Rendezvous.owner(List.of(), "pool/m"));
  }
}
