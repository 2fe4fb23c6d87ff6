/** The message bodies: in memory, published by a user, mapped, and the reading helpers they share. */
package dev.portico.core.internal.body;
