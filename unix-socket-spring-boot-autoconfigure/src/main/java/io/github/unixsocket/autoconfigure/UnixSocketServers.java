package io.github.unixsocket.autoconfigure;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.Function;

import io.github.unixsocket.handler.UnixSocketHandler;
import io.github.unixsocket.server.AbstractUnixSocketServer.ServerBuilder;
import io.github.unixsocket.server.ConnectionCustomizer;
import io.github.unixsocket.server.DatagramHandler;
import io.github.unixsocket.server.DatagramServer;
import io.github.unixsocket.server.EventLoopGroup;
import io.github.unixsocket.server.InheritedSocket;
import io.github.unixsocket.server.ServerListener;
import io.github.unixsocket.server.ServerType;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.UnixSocketServer;
import io.github.unixsocket.server.UnixSocketServerView;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.util.LambdaSafe;
import org.springframework.util.Assert;

/**
 * The application's Unix socket servers, by name. Properties are validated when this
 * bean is created; handlers are bound once all singletons exist (so a handler may itself
 * depend on this bean); servers are started and stopped by
 * {@link UnixSocketServersLifecycle}. Inject it to inspect the servers.
 */
public class UnixSocketServers implements SmartInitializingSingleton, DisposableBean {

	private final Map<String, ServerPropertiesMapper> mappers = new LinkedHashMap<>();

	private final Map<String, StreamServer.Builder> builders = new LinkedHashMap<>();

	private final Map<String, DatagramServer.Builder> datagramBuilders = new LinkedHashMap<>();

	private final Map<String, UnixSocketServer> servers = new LinkedHashMap<>();

	/** Servers run by something else (a web server's socket): listed here, started and stopped there. */
	private final Map<String, UnixSocketServerView> registered = new ConcurrentHashMap<>();

	private final List<Consumer<UnixSocketServerView>> registrationListeners = new CopyOnWriteArrayList<>();

	private final ListableBeanFactory beanFactory;

	private final List<UnixSocketServerCustomizer<?>> customizers;

	private final List<ConnectionCustomizer> connectionCustomizers;

	private final List<ServerListener> listeners;

	/**
	 * Validate the configured servers.
	 * @param properties the properties
	 * @param threadFactories connection thread factory for a server name, {@code null} for
	 * platform threads
	 * @param eventLoops the loops that serve lines, length-prefixed and commands servers
	 * @param inherited sockets passed by systemd, for the servers they match
	 * @param beanFactory where {@link UnixSocketHandler} beans are looked up
	 * @param customizers applied to the builders of the servers their type argument names
	 * @param connectionCustomizers applied, in order, to every accepted connection
	 * @param listeners added to every server
	 * @throws UnixSocketConfigurationException for the first invalid property
	 */
	public UnixSocketServers(UnixSocketProperties properties, Function<String, @Nullable ThreadFactory> threadFactories,
			EventLoopGroup eventLoops, InheritedSockets inherited, ListableBeanFactory beanFactory,
			List<UnixSocketServerCustomizer<?>> customizers, List<ConnectionCustomizer> connectionCustomizers,
			List<ServerListener> listeners) {
		this.beanFactory = beanFactory;
		this.customizers = List.copyOf(customizers);
		this.connectionCustomizers = List.copyOf(connectionCustomizers);
		this.listeners = List.copyOf(listeners);
		Set<String> names = properties.getServers().keySet();
		properties.getServers().forEach((name, server) -> {
			ServerPropertiesMapper mapper = new ServerPropertiesMapper(name, server);
			this.mappers.put(name, mapper);
			InheritedSocket socket = inherited.take(name, server.getPath(),
					mapper.isDatagram() ? ServerType.DATAGRAM : ServerType.STREAM, server.getActivation(), names);
			if (mapper.isDatagram()) {
				this.datagramBuilders.put(name, mapper.toDatagramBuilder().inherited(socket));
			}
			else {
				this.builders.put(name,
						mapper.toBuilder(threadFactories.apply(name)).eventLoops(eventLoops).inherited(socket));
			}
		});
		inherited.reportUnused();
	}

	@Override
	public void afterSingletonsInstantiated() {
		Map<String, String> handlerBeans = new HandlerBinder(this.beanFactory, this.mappers.keySet()).bind();
		CommandHandlers commandHandlers = new CommandHandlers(this.beanFactory);
		this.mappers.forEach((name, mapper) -> {
			String beanName = handlerBeans.get(name);
			Assert.state(beanName != null, () -> "No handler bound to Unix socket server '" + name + "'");
			Object bean = this.beanFactory.getBean(beanName);
			if (mapper.isDatagram()) {
				this.servers.put(name, buildDatagramServer(name, mapper.datagramHandler(beanName, bean)));
			}
			else {
				StreamServer.Builder builder = this.builders.get(name);
				Assert.state(builder != null, () -> "No builder for Unix socket server '" + name + "'");
				mapper.applyHandler(builder, beanName, bean, commandHandlers);
				this.servers.put(name, buildStreamServer(name, builder));
			}
		});
	}

	private UnixSocketServer buildStreamServer(String name, StreamServer.Builder builder) {
		if (!this.connectionCustomizers.isEmpty()) {
			builder.customizer(this::customizeConnection);
		}
		this.listeners.forEach(builder::listener);
		customize(name, builder);
		return builder.build();
	}

	private UnixSocketServer buildDatagramServer(String name, DatagramHandler handler) {
		DatagramServer.Builder builder = this.datagramBuilders.get(name);
		Assert.state(builder != null, () -> "No builder for Unix datagram server '" + name + "'");
		builder.handler(handler);
		this.listeners.forEach(builder::listener);
		customize(name, builder);
		return builder.build();
	}

	/** Each customizer whose type argument accepts this builder, as Boot applies web server customizers. */
	@SuppressWarnings("unchecked")
	private void customize(String name, ServerBuilder<?> builder) {
		LambdaSafe.callbacks(UnixSocketServerCustomizer.class, this.customizers, builder)
			.withLogger(UnixSocketServers.class)
			.invoke((customizer) -> customizer.customize(name, builder));
	}

	private void customizeConnection(io.github.unixsocket.server.Connection connection) throws Exception {
		for (ConnectionCustomizer customizer : this.connectionCustomizers) {
			customizer.customize(connection);
		}
	}

	/**
	 * @param name a server name
	 * @return the server, or {@code null} if none has that name
	 */
	public @Nullable UnixSocketServerView get(String name) {
		UnixSocketServerView server = this.servers.get(name);
		return (server != null) ? server : this.registered.get(name);
	}

	/**
	 * @return all servers: the configured ones in configuration order, then those
	 * {@link #register registered} by a web server, by name
	 */
	public Collection<UnixSocketServerView> all() {
		List<UnixSocketServerView> all = new ArrayList<>(this.servers.values());
		this.registered.values().stream().sorted(Comparator.comparing(UnixSocketServerView::name)).forEach(all::add);
		return Collections.unmodifiableList(all);
	}

	/**
	 * @return the names of every server: configured ones (known before they are built)
	 * and registered ones
	 */
	public Collection<String> names() {
		List<String> names = new ArrayList<>(this.mappers.keySet());
		this.registered.keySet().stream().sorted().forEach(names::add);
		return Collections.unmodifiableList(names);
	}

	/** @return the servers of {@code unix-socket.servers}, which {@link UnixSocketServersLifecycle} runs */
	Collection<UnixSocketServer> configured() {
		return Collections.unmodifiableCollection(new ArrayList<>(this.servers.values()));
	}

	/**
	 * List a server that something else starts and stops, such as the Unix socket of the
	 * application's web server: it shows in {@link #all()} (so in health, the endpoint and
	 * metrics) but is not started, stopped or closed by this registry. Registering a server
	 * under the same name again replaces it (a web server that is created anew).
	 * @param server the server
	 * @throws UnixSocketConfigurationException if a configured server has its name
	 */
	public void register(UnixSocketServerView server) {
		if (this.mappers.containsKey(server.name())) {
			throw new UnixSocketConfigurationException(
					"Unix socket server name '" + server.name() + "' is used twice: by 'unix-socket.servers."
							+ server.name() + "' and by " + server,
					"Rename 'unix-socket.servers." + server.name() + "': '" + server.name()
							+ "' is the name of the web server's socket");
		}
		this.registered.put(server.name(), server);
		this.registrationListeners.forEach((listener) -> listener.accept(server));
	}

	/**
	 * @param listener called with every server {@link #register registered}: at once for
	 * those registered already, then for each new one (metrics bind their meters this way)
	 */
	public void onRegistration(Consumer<UnixSocketServerView> listener) {
		this.registrationListeners.add(listener);
		this.registered.values().forEach(listener);
	}

	/** Close whatever a drain left open, e.g. when the shutdown phase timed out. */
	@Override
	public void destroy() {
		this.servers.values().forEach(UnixSocketServer::close);
	}

}
