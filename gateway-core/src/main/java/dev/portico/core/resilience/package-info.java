/** Policies that keep upstream calls answering when backends fail: retries, retry budgets and circuit breakers. */
package dev.portico.core.resilience;
