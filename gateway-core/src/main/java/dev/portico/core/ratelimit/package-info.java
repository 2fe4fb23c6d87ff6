/**
 * Rate limiting: the {@link dev.portico.core.ratelimit.RateLimiter} contract, the {@link
 * dev.portico.core.ratelimit.Limit limits} and {@link dev.portico.core.ratelimit.Plan plans} it enforces, and the
 * decisions it returns.
 */
package dev.portico.core.ratelimit;
