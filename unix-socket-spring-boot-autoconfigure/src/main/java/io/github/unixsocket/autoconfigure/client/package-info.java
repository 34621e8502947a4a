/**
 * HTTP clients for local daemons' Unix sockets ({@code unix-socket.clients.<name>}):
 * {@code RestClient} and {@code WebClient} beans bound to a socket file, on Reactor Netty.
 */
@NullMarked
package io.github.unixsocket.autoconfigure.client;

import org.jspecify.annotations.NullMarked;
