/** The code quoted in docs/guide.md, compiled so the guide cannot drift from the API. */
package dev.portico.examples.guide;
