/**
 * Auto-configuration of the Actuator support for Unix socket servers: health, metrics,
 * observations and the {@code unixsockets} endpoint.
 */
@NullMarked
package io.github.unixsocket.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
