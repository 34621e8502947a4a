/**
 * The Unix domain socket server engine, without Spring: stream and datagram servers, their
 * builders, connections, handler interfaces and socket files.
 */
@NullMarked
package io.github.unixsocket.server;

import org.jspecify.annotations.NullMarked;
