/**
 * Clients for the Unix socket servers, usable without Spring: request/reply over a stream
 * socket and datagrams.
 */
@NullMarked
package io.github.unixsocket.client;

import org.jspecify.annotations.NullMarked;
