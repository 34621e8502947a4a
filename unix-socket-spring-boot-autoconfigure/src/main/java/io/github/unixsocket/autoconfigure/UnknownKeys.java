package io.github.unixsocket.autoconfigure;

import java.beans.PropertyDescriptor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Fails startup on a key under {@code unix-socket.servers.<name>} or
 * {@code unix-socket.clients.<name>} that no setting has: the binder ignores unknown keys,
 * so a typo such as {@code permision} would silently leave the socket with the default
 * mode, and {@code expected-usr} a client without its owner check. Relaxed binding applies:
 * {@code create-directories}, {@code createDirectories}, {@code create_directories} and the
 * environment variable {@code UNIX_SOCKET_SERVERS_ADMIN_CREATEDIRECTORIES} are all the same
 * key. The known keys are read from the settings class ({@link UnixSocketProperties.Server},
 * {@link UnixSocketProperties.Client}) and its nested groups.
 */
public final class UnknownKeys {

	/** The keys of {@code unix-socket.servers.<name>}. */
	public static final UnknownKeys SERVERS = new UnknownKeys("unix-socket.servers", "server",
			UnixSocketProperties.Server.class);

	/** The keys of {@code unix-socket.clients.<name>}. */
	public static final UnknownKeys CLIENTS = new UnknownKeys("unix-socket.clients", "client",
			UnixSocketProperties.Client.class);

	private final String prefix;

	private final String kind;

	private final ConfigurationPropertyName root;

	/** Environment variable form of the prefix, what Boot maps {@code UNIX_SOCKET_SERVERS_...} from. */
	private final String environmentPrefix;

	/** Every setting, dotted and dashed: {@code path}, {@code peer.allowed-users}, ... */
	private final List<String> known;

	private UnknownKeys(String prefix, String kind, Class<?> settings) {
		this.prefix = prefix;
		this.kind = kind;
		this.root = ConfigurationPropertyName.of(prefix);
		this.environmentPrefix = prefix.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + "_";
		this.known = List.copyOf(keys(settings, ""));
	}

	/** @return every setting, dotted and dashed: {@code path}, {@code peer.allowed-users}, ... */
	public List<String> known() {
		return this.known;
	}

	/**
	 * @param environment the application's environment
	 * @param names the names of the configured servers (clients), as bound
	 * @throws UnixSocketConfigurationException naming every unknown key, with the nearest
	 * valid one
	 */
	public void check(Environment environment, Set<String> names) {
		Set<String> problems = new LinkedHashSet<>();
		Set<String> suggestions = new LinkedHashSet<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			PropertySource<?> underlying = (source.getUnderlyingSource() instanceof PropertySource<?> ps) ? ps : null;
			if (underlying instanceof SystemEnvironmentPropertySource environmentVariables) {
				checkEnvironmentVariables(environmentVariables, names, problems, suggestions);
			}
			else if (source instanceof IterableConfigurationPropertySource iterable) {
				iterable.stream().filter(this.root::isAncestorOf).forEach((name) -> {
					if (name.getNumberOfElements() <= this.root.getNumberOfElements() + 1) {
						return;
					}
					String server = name.getElement(this.root.getNumberOfElements(), ConfigurationPropertyName.Form.ORIGINAL);
					String key = key(name.subName(this.root.getNumberOfElements() + 1));
					if (!isKnown(key)) {
						ConfigurationProperty property = source.getConfigurationProperty(name);
						String origin = (property != null && property.getOrigin() != null)
								? " (" + property.getOrigin() + ")" : "";
						unknown(this.prefix + "." + server + "." + key, origin, server, key, problems, suggestions);
					}
				});
			}
		}
		if (!problems.isEmpty()) {
			throw new UnixSocketConfigurationException(
					"Unknown Unix socket " + this.kind + " setting" + ((problems.size() == 1) ? " " : "s ")
							+ String.join(", ", problems) + ": it would be ignored, and the " + this.kind
							+ " would run with the default instead",
					(suggestions.isEmpty() ? "" : "Did you mean " + String.join(", ", suggestions) + "? ")
							+ "Fix or remove the key; a " + this.kind + "'s settings are " + String.join(", ", this.known));
		}
	}

	/** Variables are upper case with dashes removed and dots as underscores: compared in that form. */
	private void checkEnvironmentVariables(EnumerablePropertySource<?> variables, Set<String> servers,
			Set<String> problems, Set<String> suggestions) {
		for (String variable : variables.getPropertyNames()) {
			String upper = variable.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "");
			if (!upper.startsWith(this.environmentPrefix)) {
				continue;
			}
			String rest = upper.substring(this.environmentPrefix.length());
			// The server's name is the longest bound name the rest starts with; otherwise its first word.
			String server = servers.stream()
				.filter((name) -> rest.startsWith(environmentForm(name) + "_"))
				.max(Comparator.comparingInt(String::length))
				.orElse(null);
			String serverForm = (server != null) ? environmentForm(server) : rest.split("_", 2)[0];
			if (rest.length() <= serverForm.length() + 1) {
				continue;
			}
			// A list element: PEER_ALLOWEDUSERS_0
			String key = rest.substring(serverForm.length() + 1).replaceAll("_[0-9]+$", "");
			if (this.known.stream().noneMatch((known) -> environmentForm(known).equals(key)
					|| environmentForm(known).startsWith(key + "_"))) {
				String shownServer = (server != null) ? server : serverForm.toLowerCase(Locale.ROOT);
				unknown(variable, " (environment variable)", shownServer, key.toLowerCase(Locale.ROOT).replace('_', '.'),
						problems, suggestions);
			}
		}
	}

	private void unknown(String shown, String origin, String server, String key, Set<String> problems,
			Set<String> suggestions) {
		problems.add("'" + shown + "'" + origin);
		String nearest = nearest(key);
		if (nearest != null) {
			suggestions.add("'" + this.prefix + "." + server + "." + nearest + "'");
		}
	}

	/** @return the key in dotted form, list indexes dropped: {@code peer.allowed-users[0]} is {@code peer.allowed-users} */
	private static String key(ConfigurationPropertyName name) {
		ConfigurationPropertyName key = name;
		while (key.getNumberOfElements() > 1 && key.isLastElementIndexed()) {
			key = key.getParent();
		}
		List<String> elements = new ArrayList<>();
		for (int i = 0; i < key.getNumberOfElements(); i++) {
			elements.add(key.getElement(i, ConfigurationPropertyName.Form.DASHED));
		}
		return String.join(".", elements);
	}

	/** Relaxed: {@code createDirectories} and {@code create-directories} are the same; a group alone is known. */
	private boolean isKnown(String key) {
		ConfigurationPropertyName name = ConfigurationPropertyName.adapt(key, '.');
		for (String known : this.known) {
			ConfigurationPropertyName knownName = ConfigurationPropertyName.of(known);
			if (knownName.equals(name) || name.isAncestorOf(knownName)) {
				return true;
			}
		}
		return false;
	}

	private @Nullable String nearest(String key) {
		String compact = key.replace("-", "").toLowerCase(Locale.ROOT);
		String best = null;
		int bestDistance = Integer.MAX_VALUE;
		for (String known : this.known) {
			int distance = distance(compact, known.replace("-", ""));
			// The last segment alone too: "permision" is close to "permissions", "peer.allowed-user" to "peer.allowed-users".
			int last = known.lastIndexOf('.');
			if (last >= 0) {
				distance = Math.min(distance, distance(compact, known.substring(last + 1).replace("-", "")) + 1);
			}
			if (distance < bestDistance) {
				bestDistance = distance;
				best = known;
			}
		}
		return (best != null && bestDistance <= Math.max(2, compact.length() / 3)) ? best : null;
	}

	/** Levenshtein distance. */
	private static int distance(String a, String b) {
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return previous[b.length()];
	}

	private static String environmentForm(String name) {
		return name.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "");
	}

	/** The bean properties of a settings class, nested groups (classes of UnixSocketProperties) expanded. */
	private static List<String> keys(Class<?> type, String prefix) {
		List<String> keys = new ArrayList<>();
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			if (descriptor.getReadMethod() == null || "class".equals(descriptor.getName())) {
				continue;
			}
			String key = prefix + dashed(descriptor.getName());
			Class<?> propertyType = descriptor.getPropertyType();
			if (propertyType.getEnclosingClass() == UnixSocketProperties.class && !propertyType.isEnum()) {
				keys.addAll(keys(propertyType, key + "."));
			}
			else {
				keys.add(key);
			}
		}
		return keys;
	}

	private static String dashed(String camel) {
		return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
	}

}
