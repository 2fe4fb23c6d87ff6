/** Binds a Portico gateway to Undertow: the listener, the mountable handler and the pooled upstream client. */
package dev.portico.undertow;
