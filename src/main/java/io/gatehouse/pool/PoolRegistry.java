package io.gatehouse.pool;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every pool by name. Listeners look their pool up per connection or request (a map read); only the Runtime
 * adds and removes.
 */
public final class PoolRegistry {

  private final ConcurrentHashMap<String, Pool> pools = new ConcurrentHashMap<>();

  public Pool get(String name) {
    return pools.get(name);
  }

  public Collection<Pool> all() {
    return pools.values();
  }

  public void put(Pool pool) {
    pools.put(pool.name(), pool);
  }

  public Pool remove(String name) {
    return pools.remove(name);
  }
}
