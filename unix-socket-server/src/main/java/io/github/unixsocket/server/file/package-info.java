/**
 * Socket files and the directories they go in. The options a server is given are API:
 * {@code SocketFileOptions} (mode, group, the directories to create), {@code FilePermissions}
 * and {@code SocketFileException}, which names the option or the path at fault.
 * <p>
 * How a path is taken safely is internal, public only for the engine's other packages:
 * {@code SocketFile} binds inside a private directory and links the socket into place, and
 * removes only the inode it bound; {@code SocketDirectory} trusts a directory the way
 * OpenSSH's {@code StrictModes} does; {@code PathLock} keeps two instances off one path.
 */
@NullMarked
package io.github.unixsocket.server.file;

import org.jspecify.annotations.NullMarked;
