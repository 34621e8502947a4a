/**
 * systemd integration: socket activation and {@code sd_notify} notifications.
 */
@NullMarked
package io.github.unixsocket.systemd;

import org.jspecify.annotations.NullMarked;
