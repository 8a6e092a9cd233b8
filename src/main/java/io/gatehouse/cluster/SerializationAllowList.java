package io.gatehouse.cluster;

import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.JavaSerializationFilterConfig;

/**
 * The classes Hazelcast may rebuild through Java serialization on a gateway node. Gatehouse's shared values are byte
 * arrays and strings (Hazelcast's own serializers, no Java serialization at all); what remains is Hazelcast's own
 * traffic (its exceptions and the few JDK types they carry). Anything else from the network, such as a gadget class
 * a stranger put into a map, fails with a SecurityException before its class is loaded.
 */
final class SerializationAllowList {

  private SerializationAllowList() {
  }

  static JavaSerializationFilterConfig filter() {
    ClassFilter allowed = new ClassFilter();
    allowed.addPrefixes("com.hazelcast.", "java.lang.", "java.time.");
    // what a Throwable's serial form holds besides java.lang types (suppressed exceptions, stack traces)
    allowed.addClasses("java.util.ArrayList", "java.util.Collections$EmptyList",
        "java.util.Collections$UnmodifiableList", "java.util.Collections$UnmodifiableRandomAccessList",
        "java.util.Collections$UnmodifiableCollection", "[Ljava.lang.StackTraceElement;",
        "[Ljava.lang.Throwable;");
    return new JavaSerializationFilterConfig().setDefaultsDisabled(true).setWhitelist(allowed);
  }
}
