/**
 * Actuator support for Unix socket servers: a health contributor, Micrometer meters and the
 * {@code unixsockets} endpoint.
 */
@NullMarked
package io.github.unixsocket.actuate;

import org.jspecify.annotations.NullMarked;
