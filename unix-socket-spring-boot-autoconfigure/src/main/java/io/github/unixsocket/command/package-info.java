/**
 * The command protocol: {@link io.github.unixsocket.command.UnixSocketCommand} methods,
 * request parsing, invocation and JSON replies.
 */
@NullMarked
package io.github.unixsocket.command;

import org.jspecify.annotations.NullMarked;
