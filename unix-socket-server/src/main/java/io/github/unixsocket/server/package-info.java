/**
 * The Unix domain socket server engine, without Spring: stream and datagram servers, their
 * builders, connections, event loops, framing and handler interfaces. Socket files and their
 * directories are in {@code server.file}, peers and the rules for users and groups in
 * {@code server.peer}.
 * <p>
 * The servers' parts (the connection registry, the acceptors, the loop connections and their
 * outbound queues) stay here, package-private: they drive package-private hooks of
 * {@code StreamServer} that a package of their own would have to make public.
 * <p>
 * Framing ({@code Framing}; {@code FramedMessages}, its one set of rules, used by the event
 * loop's connections and by the thread-per-connection {@code FramedConnectionHandler}) stays in
 * this package: both users drive package-private hooks of the connections (the message clock,
 * the buffer reservation) that a package of its own would have to make public API.
 */
@NullMarked
package io.github.unixsocket.server;

import org.jspecify.annotations.NullMarked;
