/**
 * The Unix domain socket server engine, without Spring: stream and datagram servers, their
 * builders, connections, handler interfaces and socket files.
 * <p>
 * Framing ({@code Framing}; {@code FramedMessages}, its one set of rules, used by the event
 * loop's connections and by the thread-per-connection {@code FramedConnectionHandler}) stays in
 * this package: both users drive package-private hooks of the connections (the message clock,
 * the buffer reservation) that a package of its own would have to make public API.
 */
@NullMarked
package io.github.unixsocket.server;

import org.jspecify.annotations.NullMarked;
