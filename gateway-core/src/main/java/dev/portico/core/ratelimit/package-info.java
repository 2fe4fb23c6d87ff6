/**
 * Rate limiting: the {@link dev.portico.core.ratelimit.RateLimit} filter and the {@link
 * dev.portico.core.ratelimit.RateLimitKey keys} it counts by, the {@link dev.portico.core.ratelimit.RateLimiter}
 * contract with its in-process {@link dev.portico.core.ratelimit.LocalRateLimiter}, and the {@link
 * dev.portico.core.ratelimit.Limit limits}, {@link dev.portico.core.ratelimit.Plan plans} and {@link
 * dev.portico.core.ratelimit.Decision decisions} they share.
 */
package dev.portico.core.ratelimit;
