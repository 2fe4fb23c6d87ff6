/** The mobile backend demo: one Portico gateway in front of in-memory user, product and order services. */
package dev.portico.examples.mobile;
