/**
 * Test support for Unix socket handlers: the {@link io.github.unixsocket.test.UnixSocketTest}
 * slice, a fresh socket directory per test context
 * ({@link io.github.unixsocket.test.UnixSocketTestDirectory}) and clients for the running
 * servers ({@link io.github.unixsocket.test.UnixSocketTestClients}).
 */
@NullMarked
package io.github.unixsocket.test;

import org.jspecify.annotations.NullMarked;
