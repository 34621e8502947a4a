/**
 * Application events of the Unix socket servers: server started and stopped, connection
 * opened, closed and rejected.
 */
@NullMarked
package io.github.unixsocket.event;

import org.jspecify.annotations.NullMarked;
