package io.gatehouse.config;

/**
 * One entry of a split between pools ({@code default_pools}, {@code redirect_pools}): new clients go to
 * {@code pool} in proportion to {@code weight}; weight 0 takes no new clients but keeps the sticky ones.
 */
public record PoolWeight(String pool, int weight) {}
