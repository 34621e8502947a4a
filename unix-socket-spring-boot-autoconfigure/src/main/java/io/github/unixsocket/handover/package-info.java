/**
 * Socket handover between two instances of an application on one host, over a private
 * control socket: {@link io.github.unixsocket.handover.HandoverListener} is the running
 * instance's side, {@link io.github.unixsocket.handover.HandoverRequest} the new one's.
 * No Spring here; the auto-configuration drives both.
 */
@NullMarked
package io.github.unixsocket.handover;

import org.jspecify.annotations.NullMarked;
