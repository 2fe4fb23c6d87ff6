/** Runnable examples of Portico: the mobile backend demo, the benchmark proxy and small focused snippets. */
package dev.portico.examples;
