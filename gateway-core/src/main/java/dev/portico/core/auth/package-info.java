/** Authentication and authorization: who the caller is ({@link dev.portico.core.auth.Principal}) and what it may do. */
package dev.portico.core.auth;
