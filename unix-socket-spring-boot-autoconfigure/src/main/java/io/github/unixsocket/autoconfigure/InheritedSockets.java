package io.github.unixsocket.autoconfigure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.github.unixsocket.server.EnumNames;
import io.github.unixsocket.server.InheritedSocket;
import io.github.unixsocket.server.NativeSockets;
import io.github.unixsocket.server.ServerType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The sockets this process inherited from systemd (socket activation), matched to the
 * configured servers: by {@code FileDescriptorName=} equal to the server's name first,
 * otherwise by the socket's bound address equal to the server's {@code path}. A socket no
 * server takes is logged once and left open.
 */
public class InheritedSockets {

	private static final Log logger = LogFactory.getLog(InheritedSockets.class);

	private final List<InheritedSocket> sockets;

	private final Set<InheritedSocket> taken = new LinkedHashSet<>();

	/**
	 * @param sockets the inherited sockets, in descriptor order
	 */
	public InheritedSockets(List<InheritedSocket> sockets) {
		this.sockets = List.copyOf(sockets);
	}

	/** @return none: for applications not started by systemd */
	public static InheritedSockets none() {
		return new InheritedSockets(List.of());
	}

	/** @return the inherited sockets, in descriptor order */
	public List<InheritedSocket> sockets() {
		return this.sockets;
	}

	/**
	 * The inherited socket for a server, if any.
	 * @param name the server's name
	 * @param path its configured {@code path}
	 * @param type its type
	 * @param activation whether it may, must or must not use one
	 * @param serverNames every server's name: a socket named after another server is not
	 * taken by its address
	 * @return the socket, or {@code null} to bind the path
	 * @throws UnixSocketConfigurationException for a socket of the wrong type, or none where
	 * one is required
	 */
	@Nullable InheritedSocket take(String name, @Nullable String path, ServerType type,
			UnixSocketProperties.Activation activation, Set<String> serverNames) {
		if (activation == UnixSocketProperties.Activation.OFF) {
			return null;
		}
		InheritedSocket match = this.sockets.stream()
			.filter((socket) -> name.equals(socket.name()))
			.findFirst()
			.orElseGet(() -> this.sockets.stream()
				.filter((socket) -> socket.name() == null || !serverNames.contains(socket.name()))
				.filter((socket) -> sameAddress(socket.address(), path))
				.findFirst()
				.orElse(null));
		String property = "unix-socket.servers." + name + ".";
		if (match == null) {
			if (activation == UnixSocketProperties.Activation.REQUIRED) {
				throw new UnixSocketConfigurationException("Unix socket server '" + name + "' requires a socket from "
						+ "systemd, but none is named '" + name + "' or bound to " + path + " (inherited: "
						+ describe() + ")",
						"Start the application from a systemd socket unit with FileDescriptorName=" + name + " or "
								+ "ListenStream=/ListenDatagram=" + path + ", or set '" + property
								+ "activation' to auto (bind the path when no socket is passed) or off");
			}
			return null;
		}
		if (match.type() != type) {
			throw new UnixSocketConfigurationException("systemd passed " + match + " to Unix socket server '" + name
					+ "', which is a " + EnumNames.of(type) + " server",
					"Use " + ((type == ServerType.STREAM) ? "ListenStream=" : "ListenDatagram=") + " in the socket unit, "
							+ "or set '" + property + "type' to " + EnumNames.of(match.type()));
		}
		this.taken.add(match);
		return match;
	}

	/** Log the inherited sockets no server took, once. */
	void reportUnused() {
		List<InheritedSocket> unused = new ArrayList<>(this.sockets);
		unused.removeAll(this.taken);
		for (InheritedSocket socket : unused) {
			logger.warn("systemd passed " + socket + ", but no Unix socket server uses it (match by "
					+ "FileDescriptorName= a server's name, or by its path); it is left open");
		}
	}

	private String describe() {
		return this.sockets.isEmpty() ? "none" : this.sockets.stream().map(Object::toString).collect(Collectors.joining(", "));
	}

	static boolean sameAddress(@Nullable String inherited, @Nullable String configured) {
		if (inherited == null || configured == null) {
			return false;
		}
		if (NativeSockets.isAbstract(inherited) || NativeSockets.isAbstract(configured)) {
			return inherited.equals(configured);
		}
		return Path.of(inherited).toAbsolutePath().normalize().equals(Path.of(configured).toAbsolutePath().normalize());
	}

}
