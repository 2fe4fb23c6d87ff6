/** Implementation details of the core; not an API, and free to change in any release. */
package dev.portico.core.internal;
