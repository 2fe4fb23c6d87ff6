/**
 * The WebSocket relay: once both sides have switched protocols, frames pass between client and upstream unbuffered,
 * their headers read on the way for the size limits and the closing handshake. Internal: not an API.
 */
package dev.portico.undertow.internal.websocket;
