package io.github.unixsocket.autoconfigure.web;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.unixsocket.server.Connection;
import io.github.unixsocket.server.HttpUnixSocket;
import io.netty.channel.Channel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.util.AttributeKey;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.ConnectionObserver;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Puts a Reactor Netty web server (WebFlux) on its Unix socket. Reactor Netty binds one
 * address per server: with {@code tcp-enabled: false} the web server itself binds the
 * socket; with the TCP port kept, a second Reactor Netty server, configured like the
 * first (the last of its customizers captures it) and serving the same
 * {@link HttpHandler}, binds the socket right after the web server starts and is
 * disposed right before it stops.
 * <p>
 * The socket is ready, bound and published, before anyone hears that its web server
 * started: the first listener of the {@link WebServerInitializedEvent} (published right
 * after the web server's start returns) binds and publishes the second server, or waits
 * until the web server's own socket is published. That is needed because Reactor Netty
 * hands the bound server to whoever waits for it before it calls its
 * {@code doOnBound} callbacks, on its own thread.
 * <p>
 * Either way the socket is bound in a private directory, published once bound, and each
 * accepted channel's peer ({@code SO_PEERCRED}, read through Netty's
 * {@link NioChannelOption}) is checked before the HTTP codec sees a byte. With Netty's
 * native epoll transport the credentials cannot be read that way: such a peer is unknown
 * and refused when an allow-list is set (the socket server itself always runs on NIO).
 */
class NettyUnixSocketServer implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, SmartLifecycle,
		Ordered, ApplicationContextAware {

	/** How long the web server's own socket may take to be published once it is bound: as Reactor Netty's bind. */
	private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(45);

	/** The connection's peer, on the Netty channel. */
	static final AttributeKey<Connection> PEER = AttributeKey.valueOf(HttpUnixSocket.PEER_ATTRIBUTE);

	private static final Log logger = LogFactory.getLog(NettyUnixSocketServer.class);

	private final HttpUnixSockets sockets;

	private final ListableBeanFactory beanFactory;

	private volatile @Nullable HttpUnixSocket socket;

	/** The web server's Reactor Netty server, for a second one on the socket. */
	private volatile @Nullable HttpServer captured;

	private volatile @Nullable DisposableServer secondary;

	private volatile reactor.netty.resources.@Nullable LoopResources loops;

	/** Whether the web server's own socket (tcp-enabled false) is published, once it binds. */
	private volatile @Nullable CompletableFuture<Void> published;

	private @Nullable ApplicationContext context;

	/**
	 * @param sockets the socket's settings
	 * @param beanFactory the web server's context: its own {@link HttpHandler} is served (a
	 * management child context's, not the application's)
	 */
	NettyUnixSocketServer(HttpUnixSockets sockets, ListableBeanFactory beanFactory) {
		this.sockets = sockets;
		this.beanFactory = beanFactory;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void setApplicationContext(ApplicationContext context) {
		this.context = context;
		if (context instanceof ConfigurableApplicationContext configurable) {
			configurable.addApplicationListener(new Readiness());
		}
	}

	@Override
	public void customize(NettyReactiveWebServerFactory factory) {
		if (!this.sockets.isConfigured(factory.getPort())) {
			return;
		}
		HttpUnixSocket socket = this.sockets.create();
		this.socket = socket;
		if (this.sockets.isTcpEnabled()) {
			// Added last, so it sees the server every other customizer made.
			factory.addServerCustomizers((server) -> {
				this.captured = server;
				return server;
			});
		}
		else {
			factory.addServerCustomizers((server) -> onSocket(server, socket)
				.doOnBind((config) -> this.published = new CompletableFuture<>())
				.doOnBound((bound) -> publishBound(socket)));
		}
	}

	private HttpServer onSocket(HttpServer server, HttpUnixSocket socket) {
		return server.bindAddress(() -> bindAddress(socket))
			.doOnUnbound((unbound) -> {
				socket.unpublish();
				socket.release();
			})
			.doOnChannelInit((observer, channel, remote) -> admit(socket, channel));
	}

	private SocketAddress bindAddress(HttpUnixSocket socket) {
		try {
			Path path = this.sockets.prepare(socket);
			return UnixDomainSocketAddress.of(path);
		}
		catch (IOException ex) {
			throw this.sockets.startFailure("Reactor Netty", ex);
		}
	}

	/** On a Netty thread, after the web server's start may have returned: {@link Readiness} waits for it. */
	private void publishBound(HttpUnixSocket socket) {
		CompletableFuture<Void> published = this.published;
		try {
			publish(socket);
			if (published != null) {
				published.complete(null);
			}
		}
		catch (RuntimeException ex) {
			if (published == null || !published.completeExceptionally(ex)) {
				throw ex;
			}
		}
	}

	/** The web server's own socket is published, or startup fails saying why. */
	private void awaitPublished() {
		CompletableFuture<Void> published = this.published;
		if (published == null) {
			return;
		}
		try {
			published.get(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof RuntimeException runtime) ? runtime
					: new IllegalStateException("Could not publish the Unix socket of '" + this.sockets.prefix()
							+ "path'", ex.getCause());
		}
		catch (TimeoutException ex) {
			throw this.sockets.startFailure("Reactor Netty",
					new IOException("the socket was not published within " + PUBLISH_TIMEOUT + " of its bind", ex));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while the Unix socket of '" + this.sockets.prefix()
					+ "path' was published", ex);
		}
	}

	private void publish(HttpUnixSocket socket) {
		try {
			socket.publish("Reactor Netty", true);
		}
		catch (IOException ex) {
			throw this.sockets.startFailure("Reactor Netty", ex);
		}
	}

	private static void admit(HttpUnixSocket socket, Channel channel) {
		UnixDomainPrincipal principal = null;
		try {
			principal = channel.config().getOption(NioChannelOption.of(ExtendedSocketOptions.SO_PEERCRED));
		}
		catch (RuntimeException ex) {
			// Not a NIO channel (native transport): the peer stays unknown.
		}
		Connection connection = socket.admit(principal, channel::close, channel::isOpen);
		if (connection == null) {
			channel.close();
			return;
		}
		channel.attr(PEER).set(connection);
		channel.closeFuture().addListener((future) -> socket.closed(connection));
	}

	@Override
	public int getPhase() {
		// Right after the web server starts, right before it stops.
		return WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE + 1;
	}

	/** Normally done already, when the web server was reported started: see {@link Readiness}. */
	@Override
	public void start() {
		serve();
	}

	/** Bind and publish the second server on the socket, or wait until the web server's own is published. */
	private synchronized void serve() {
		awaitPublished();
		HttpServer captured = this.captured;
		HttpUnixSocket socket = this.socket;
		if (captured == null || socket == null || this.secondary != null) {
			return;
		}
		String[] names = this.beanFactory.getBeanNamesForType(HttpHandler.class);
		HttpHandler handler = (names.length == 1) ? this.beanFactory.getBean(names[0], HttpHandler.class) : null;
		if (handler == null) {
			logger.warn("No HttpHandler: the Unix socket of '" + this.sockets.prefix() + "path' is not served");
			return;
		}
		// NIO (preferNative false), where Netty reads the peer's credentials as a JDK socket option.
		this.loops = reactor.netty.resources.LoopResources.create("unix-socket-http", 1, true);
		DisposableServer secondary = onSocket(captured, socket).handle(new ReactorHttpHandlerAdapter(handler))
			.runOn(this.loops, false)
			.bindNow();
		this.secondary = secondary;
		// Here, not in doOnBound: bindNow returns before Reactor Netty runs its bound callbacks.
		try {
			publish(socket);
		}
		catch (RuntimeException ex) {
			stop();
			throw ex;
		}
	}

	@Override
	public synchronized void stop() {
		DisposableServer secondary = this.secondary;
		if (secondary != null) {
			this.secondary = null;
			secondary.disposeNow();
		}
		reactor.netty.resources.LoopResources loops = this.loops;
		if (loops != null) {
			this.loops = null;
			loops.disposeLater().block();
		}
	}

	@Override
	public boolean isRunning() {
		return this.secondary != null;
	}

	/**
	 * The first to hear that this context's web server started: its socket is bound and
	 * published before anyone else hears it. A parent context's listeners also hear the
	 * events of a child (the management server), hence the check of the context.
	 */
	private final class Readiness implements ApplicationListener<WebServerInitializedEvent>, Ordered {

		@Override
		public void onApplicationEvent(WebServerInitializedEvent event) {
			if (event.getApplicationContext() == NettyUnixSocketServer.this.context) {
				serve();
			}
		}

		@Override
		public int getOrder() {
			return Ordered.HIGHEST_PRECEDENCE;
		}

	}

	/** Copies the peer from the Netty channel to the exchange attribute {@link HttpUnixSocket#PEER_ATTRIBUTE}. */
	static final class PeerWebFilter implements WebFilter {

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
			Object request = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
			if (request instanceof reactor.netty.Connection connection) {
				Connection peer = connection.channel().attr(PEER).get();
				if (peer != null) {
					exchange.getAttributes().put(HttpUnixSocket.PEER_ATTRIBUTE, peer.peer());
				}
			}
			return chain.filter(exchange);
		}

	}

}
