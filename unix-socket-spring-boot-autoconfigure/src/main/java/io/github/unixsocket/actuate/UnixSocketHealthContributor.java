package io.github.unixsocket.actuate;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.github.unixsocket.server.EnumNames;
import io.github.unixsocket.server.ServerState;
import io.github.unixsocket.server.UnixSocketServerView;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the Unix socket servers, one component per server: {@code UP} when it is
 * running and its socket file is still the one it bound; {@code DOWN} otherwise, with a
 * {@code reason}. A server whose file was deleted or replaced still listens, but nobody
 * can reach it: that is a real outage. Details: path, type, state, open connections.
 */
public class UnixSocketHealthContributor implements CompositeHealthContributor {

	private final Supplier<Collection<String>> names;

	private final Function<String, @Nullable UnixSocketServerView> servers;

	/**
	 * @param names the server names
	 * @param servers a server by name, looked up on every health check (servers are built
	 * after this contributor; one not built yet is reported as not started)
	 */
	public UnixSocketHealthContributor(Collection<String> names, Function<String, @Nullable UnixSocketServerView> servers) {
		List<String> fixed = List.copyOf(names);
		this.names = () -> fixed;
		this.servers = servers;
	}

	/**
	 * @param names the server names, asked on every health check (a web server's socket
	 * is registered when the web server is created)
	 * @param servers a server by name, looked up on every health check
	 */
	public UnixSocketHealthContributor(Supplier<Collection<String>> names,
			Function<String, @Nullable UnixSocketServerView> servers) {
		this.names = names;
		this.servers = servers;
	}

	@Override
	public @Nullable HealthContributor getContributor(String name) {
		return this.names.get().contains(name) ? indicator(name) : null;
	}

	@Override
	public Stream<Entry> stream() {
		return this.names.get().stream().map((name) -> new Entry(name, indicator(name)));
	}

	private HealthIndicator indicator(String name) {
		return () -> {
			UnixSocketServerView server = this.servers.apply(name);
			return (server != null) ? health(server) : Health.down().withDetail("reason", "not started").build();
		};
	}

	private static Health health(UnixSocketServerView server) {
		ServerState state = server.state();
		String problem = problem(server, state);
		Health.Builder health = (problem != null) ? Health.down().withDetail("reason", problem) : Health.up();
		if (server.isInherited()) {
			health.withDetail("inherited", true);
		}
		return health.withDetail("path", server.address())
			.withDetail("type", EnumNames.of(server.type()))
			.withDetail("state", EnumNames.of(state))
			.withDetail("openConnections", server.openConnections())
			.build();
	}

	private static @Nullable String problem(UnixSocketServerView server, ServerState state) {
		return switch (state) {
			case NEW -> "not started";
			case DRAINING -> "draining: no longer accepting connections";
			case STOPPED -> "stopped";
			case RUNNING -> {
				if (server.isSocketFileOurs()) {
					yield null;
				}
				yield Files.exists(Path.of(server.address()), LinkOption.NOFOLLOW_LINKS)
						? "socket file was replaced by another file: clients no longer reach this server"
						: "socket file was deleted: clients can no longer connect";
			}
		};
	}


}
