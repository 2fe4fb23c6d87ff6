/** The compiled router: route patterns, query predicates and the segment trie that matches a request to its route. */
package dev.portico.core.internal.routing;
