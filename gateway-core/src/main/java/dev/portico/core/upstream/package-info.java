/** Upstream calls and their policies: choosing an instance, per-call options, and the outcome of every attempt. */
package dev.portico.core.upstream;
