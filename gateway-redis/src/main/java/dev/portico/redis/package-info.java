/**
 * Rate limits shared by a cluster of gateways: {@link dev.portico.redis.RedisRateLimiter} keeps the buckets in Redis
 * through Bucket4j's Lettuce integration, with a stated policy for when Redis cannot answer.
 */
package dev.portico.redis;
