package io.github.unixsocket.autoconfigure;

import java.util.List;

import io.github.unixsocket.server.EnumNames;
import io.github.unixsocket.server.file.SocketFileOptions;
import io.github.unixsocket.server.peer.PeerPolicy;

/**
 * Maps {@link SocketFileProperties} onto the engine, for both property trees. The engine
 * owns the rules ({@link SocketFileOptions#parse}, {@link PeerPolicy#of}); a value it
 * refuses becomes a {@link UnixSocketConfigurationException} naming the property, the
 * value and the fix.
 */
public final class SocketFilePropertiesMapper {

	private SocketFilePropertiesMapper() {
	}

	/**
	 * @param prefix the properties' prefix, ending with a dot (e.g.
	 * {@code "server.unix-socket."})
	 * @param properties the settings; the path must be set and not be an abstract address
	 * @return the socket file's options
	 * @throws UnixSocketConfigurationException naming the first invalid property
	 */
	public static SocketFileOptions fileOptions(String prefix, SocketFileProperties properties) {
		String path = properties.getPath();
		if (path == null || path.isBlank()) {
			throw new IllegalStateException("'" + prefix + "path' is not set");
		}
		try {
			return SocketFileOptions.parse(path, properties.getPermissions(), properties.getGroup(),
					properties.isCreateDirectories(), properties.getDirectoryPermissions());
		}
		catch (SocketFileOptions.InvalidOptionException ex) {
			// The options are named as the properties are: DIRECTORY_PERMISSIONS is directory-permissions.
			throw UnixSocketConfigurationException.invalidValue(prefix + EnumNames.of(ex.option()), ex.value(),
					ex.problem(), ex.fix(), null);
		}
	}

	/**
	 * @param prefix the properties' prefix, ending with a dot
	 * @param properties the settings
	 * @return who may connect
	 * @throws UnixSocketConfigurationException naming {@code peer.allowed-users} or
	 * {@code peer.allowed-groups}
	 */
	public static PeerPolicy peerPolicy(String prefix, SocketFileProperties properties) {
		List<String> users = properties.getPeer().getAllowedUsers();
		List<String> groups = properties.getPeer().getAllowedGroups();
		try {
			// The users alone first, to name the property that holds an unknown one.
			PeerPolicy.of(users, List.of());
		}
		catch (IllegalArgumentException ex) {
			throw UnixSocketConfigurationException.invalidValue(prefix + "peer.allowed-users", users, ex.getMessage(),
					"list existing users by name or numeric uid", null);
		}
		try {
			return PeerPolicy.of(users, groups);
		}
		catch (IllegalArgumentException ex) {
			throw UnixSocketConfigurationException.invalidValue(prefix + "peer.allowed-groups", groups,
					ex.getMessage(), "list existing groups by name or numeric gid", null);
		}
	}

}
