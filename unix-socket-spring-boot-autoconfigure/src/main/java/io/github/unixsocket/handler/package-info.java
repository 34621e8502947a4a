/**
 * The {@link io.github.unixsocket.handler.UnixSocketHandler} annotation that binds a bean to a
 * configured server. The bean implements one of the engine's handler interfaces:
 * {@link io.github.unixsocket.server.ConnectionHandler} (raw streams),
 * {@link io.github.unixsocket.server.MessageHandler} (lines or length-prefixed frames) or
 * {@link io.github.unixsocket.server.DatagramHandler}; command beans use
 * {@link io.github.unixsocket.command.UnixSocketCommand} instead.
 * <p>
 * The interfaces stay in {@code server}, with the {@code Connection} and {@code Datagram}
 * they are given: the engine owns those objects' life (a reused {@code Datagram} is
 * invalidated when its handler returns), and moving the interfaces alone would make the
 * two packages depend on each other.
 */
@NullMarked
package io.github.unixsocket.handler;

import org.jspecify.annotations.NullMarked;
