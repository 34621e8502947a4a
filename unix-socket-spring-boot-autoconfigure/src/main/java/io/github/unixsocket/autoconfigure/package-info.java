/**
 * Auto-configuration of the Unix socket servers configured under {@code unix-socket.*}: the
 * properties, the server registry, its lifecycle and the customizers.
 */
@NullMarked
package io.github.unixsocket.autoconfigure;

import org.jspecify.annotations.NullMarked;
