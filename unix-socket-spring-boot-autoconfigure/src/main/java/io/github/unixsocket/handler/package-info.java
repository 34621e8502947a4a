/**
 * The {@link io.github.unixsocket.handler.UnixSocketHandler} annotation that binds a bean to a
 * configured server.
 */
@NullMarked
package io.github.unixsocket.handler;

import org.jspecify.annotations.NullMarked;
