/** API versions: choosing a route by the version a request names, and the deprecation headers of old versions. */
package dev.portico.core.version;
