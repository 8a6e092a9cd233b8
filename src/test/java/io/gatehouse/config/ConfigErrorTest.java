package io.gatehouse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ConfigErrorTest {

  @Test
  void printsTheContractLine() {
    assertEquals("config error: $.listeners[2].protocol_port: must be 1-65535",
        new ConfigError("$.listeners[2].protocol_port", "must be 1-65535").toString());
  }
}
