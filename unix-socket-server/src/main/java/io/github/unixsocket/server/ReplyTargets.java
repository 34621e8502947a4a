package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.unixsocket.server.file.SocketDirectory;

import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Where a datagram reply may go. The kernel reports the address a sender bound, not the
 * socket: by the time of the reply that path may name something else, for example a
 * symbolic link the sender put there to the server's own socket (each reply would then
 * answer itself, forever) or to a socket the sender itself may not reach (the server
 * would send there with its own rights). So a reply goes to a sender's path only when:
 * <ul>
 * <li>it is absolute and plain (no {@code .}, {@code ..} or symbolic link anywhere on it);</li>
 * <li>it is a socket, and not one of this application's datagram sockets (by name or by
 * file, hard links included);</li>
 * <li>its directory is owned by root or by the socket's owner and cannot be written by
 * group or others unless sticky: nobody but the socket's owner (or root) can have put it
 * there.</li>
 * </ul>
 * Limits: the path is checked and then sent to, so its owner can still swap it for a
 * link in between (a race the attacker must win per datagram; Java offers no
 * {@code O_PATH} descriptor to pin it). Whatever such a reply reaches, it is never
 * answered again: replies never go to this application's own sockets. Senders on
 * abstract addresses get no reply: junixsocket does not report the length of a received
 * abstract address, so {@code @name} and {@code @name\0} cannot be told apart.
 */
final class ReplyTargets {

	private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

	/** Addresses and files of this JVM's bound datagram sockets. */
	private static final Set<String> ownAddresses = ConcurrentHashMap.newKeySet();

	private static final Set<Object> ownFiles = ConcurrentHashMap.newKeySet();

	private ReplyTargets() {
	}

	/**
	 * @param address a bound datagram socket's address
	 * @param fileKey its file's key, {@code null} if it has no file
	 */
	static void register(String address, @Nullable Object fileKey) {
		ownAddresses.add(address);
		if (fileKey != null) {
			ownFiles.add(fileKey);
		}
	}

	static void unregister(String address, @Nullable Object fileKey) {
		ownAddresses.remove(address);
		if (fileKey != null) {
			ownFiles.remove(fileKey);
		}
	}

	/**
	 * @param recipient the address a datagram came from
	 * @return why no reply may go there, or {@code null} if it may
	 */
	static @Nullable String refusal(AFUNIXSocketAddress recipient) {
		if (recipient.isInAbstractNamespace()) {
			return "it is an abstract address, whose exact name junixsocket does not report";
		}
		String name = recipient.getPath();
		if (ownAddresses.contains(name)) {
			return "it is a datagram socket of this application";
		}
		Path path;
		try {
			path = Path.of(name);
		}
		catch (InvalidPathException ex) {
			return "it is not a valid path";
		}
		if (!path.isAbsolute() || !path.normalize().toString().equals(name)) {
			return "it is not an absolute, normalized path";
		}
		try {
			if (!path.toRealPath().equals(path)) {
				return "it passes through a symbolic link";
			}
			Map<String, Object> socket = Files.readAttributes(path, "unix:mode,uid", NOFOLLOW);
			if ((SocketDirectory.mode(socket) & SocketDirectory.S_IFMT) != SocketDirectory.S_IFSOCK) {
				return "it is not a socket";
			}
			if (ownFiles.contains(Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW).fileKey())) {
				return "it is a datagram socket of this application";
			}
			Map<String, Object> dir = Files.readAttributes(path.getParent(), "unix:mode,uid", NOFOLLOW);
			long dirOwner = SocketDirectory.uid(dir);
			if (dirOwner != 0 && dirOwner != SocketDirectory.uid(socket)) {
				return "its directory belongs to another user than the socket";
			}
			if (!SocketDirectory.onlyOwnerCanReplace(SocketDirectory.mode(dir))) {
				return "its directory can be written by group or others";
			}
			return null;
		}
		catch (IOException ex) {
			return "it cannot be inspected (" + ex.getMessage() + ")";
		}
	}

}
