/**
 * Micrometer observations of Unix socket handler invocations and commands, with their
 * conventions.
 */
@NullMarked
package io.github.unixsocket.observation;

import org.jspecify.annotations.NullMarked;
