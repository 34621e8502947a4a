/**
 * Who is on the other end of a socket. API: {@code PeerPolicy} (who may connect),
 * {@code PeerCredentials} (who did) and {@code ExpectedOwner} (whom a client expects to serve
 * a socket). Internal, public only for the engine's other packages: {@code KernelPeer} (the
 * kernel's {@code SO_PEERCRED}), {@code UnixIds} (the one rule for user and group ids and
 * names) and {@code ProcessUser}.
 */
@NullMarked
package io.github.unixsocket.server.peer;

import org.jspecify.annotations.NullMarked;
