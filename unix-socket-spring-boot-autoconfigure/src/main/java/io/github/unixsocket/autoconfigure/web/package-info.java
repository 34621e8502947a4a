/**
 * Auto-configuration that puts an embedded web server (Tomcat, Jetty or Reactor Netty) on a
 * Unix socket, {@code unix-socket.http.*}.
 */
@NullMarked
package io.github.unixsocket.autoconfigure.web;

import org.jspecify.annotations.NullMarked;
