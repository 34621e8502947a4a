package io.github.unixsocket.autoconfigure.client;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import io.github.unixsocket.autoconfigure.client.UnixSocketConnectException.Reason;
import io.github.unixsocket.server.peer.ExpectedOwner;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * One named client's socket: a Reactor Netty {@link HttpClient} that connects to it, with a
 * pool of kept-alive connections of its own. Every new connection is checked before a byte
 * of a request is written: a failed connect becomes a {@link UnixSocketConnectException}
 * saying why and what to do, and a connected socket whose file or listener is not the
 * {@link ExpectedOwner expected owner}'s is closed unused.
 * <p>
 * Netty runs on NIO (JDK channels, no native code), where the listener's credentials are
 * a JDK socket option ({@code SO_PEERCRED}).
 */
final class ClientSocket {

	private static final int S_IFMT = 0170000;

	private static final int S_IFSOCK = 0140000;

	/** {@link #fileType()}: nothing at the path. */
	private static final int NO_FILE = -1;

	/** {@link #fileType()}: the path cannot be looked at (a directory above it this process may not search). */
	private static final int UNKNOWN = -2;

	private final String name;

	private final Path path;

	private final String baseUrl;

	private final ExpectedOwner owner;

	private final ConnectionProvider pool;

	private final HttpClient httpClient;

	ClientSocket(String name, Path path, String baseUrl, ExpectedOwner owner, int maxConnections, Duration connectTimeout,
			@Nullable Duration readTimeout, LoopResources loops) {
		this.name = name;
		this.path = path;
		this.baseUrl = baseUrl;
		this.owner = owner;
		this.pool = ConnectionProvider.builder("unix-socket-client-" + name).maxConnections(maxConnections).build();
		UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
		HttpClient httpClient = HttpClient.create(this.pool)
			.runOn(loops, false)
			.remoteAddress(() -> address)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
			.doOnChannelInit((observer, channel, remote) -> {
				channel.pipeline().addFirst(new ConnectCheck());
				channel.pipeline().addAfter(NettyPipeline.HttpCodec, "unixSocket.http11", Http11.INSTANCE);
			});
		this.httpClient = (readTimeout != null) ? httpClient.responseTimeout(readTimeout) : httpClient;
	}

	String name() {
		return this.name;
	}

	Path path() {
		return this.path;
	}

	String baseUrl() {
		return this.baseUrl;
	}

	ExpectedOwner owner() {
		return this.owner;
	}

	HttpClient httpClient() {
		return this.httpClient;
	}

	/**
	 * What Reactor Netty is given of a request's URI: the path and query only, since it
	 * connects to the host of an absolute URI rather than to the socket.
	 * @param uri a request's absolute URI
	 * @return its raw path and query
	 */
	static URI onSocket(URI uri) {
		String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty()) ? "/" : uri.getRawPath();
		return URI.create((uri.getRawQuery() != null) ? path + "?" + uri.getRawQuery() : path);
	}

	/**
	 * @param uri a request's absolute URI
	 * @return its Host header: the URI's host, and its port if it has one
	 */
	static String host(URI uri) {
		return (uri.getPort() >= 0) ? uri.getHost() + ":" + uri.getPort() : String.valueOf(uri.getHost());
	}

	void dispose() {
		this.pool.dispose();
	}

	/** Why a connect failed, with the fix; the file at the path tells most. */
	UnixSocketConnectException connectFailure(Throwable failure) {
		if (failure instanceof UnixSocketConnectException known) {
			return known;
		}
		String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
		String property = "'unix-socket.clients." + this.name + ".path'";
		int type = fileType();
		if (type == NO_FILE) {
			return failure(Reason.MISSING, "no such socket file", "Start the process that serves it, or correct "
					+ property, failure);
		}
		if (type != S_IFSOCK && type != UNKNOWN) {
			return failure(Reason.NOT_A_SOCKET, "the file there is not a socket", "Correct " + property, failure);
		}
		if (failure instanceof AccessDeniedException || message.contains("permission denied")) {
			return failure(Reason.PERMISSION_DENIED,
					"permission denied: this process (user " + System.getProperty("user.name")
							+ ") may not write to the socket file or search a directory above it",
					"Run as a user the socket file's mode lets in, or add this user to its group (see ls -l " + this.path
							+ ")",
					failure);
		}
		if (message.contains("connection refused")) {
			return failure(Reason.REFUSED,
					"connection refused: the socket file exists but nothing listens on it (a stale file left by a process that stopped)",
					"Start the process that serves it", failure);
		}
		if (failure instanceof ConnectTimeoutException) {
			return failure(Reason.OTHER, "no connection within the connect timeout (the listener's backlog is full)",
					"Raise 'unix-socket.clients." + this.name + ".connect-timeout', or check that the server accepts",
					failure);
		}
		return failure(Reason.OTHER, String.valueOf(failure.getMessage()), "See the cause", failure);
	}

	/** Whether a connected socket's file and listener are the expected owner's. */
	@Nullable UnixSocketConnectException ownerMismatch(Channel channel) {
		if (!this.owner.expectsAnything()) {
			return null;
		}
		String mismatch;
		try {
			mismatch = this.owner.mismatchOfFile(this.path);
			if (mismatch == null) {
				UnixDomainPrincipal listener = channel.config()
					.getOption(NioChannelOption.of(ExtendedSocketOptions.SO_PEERCRED));
				mismatch = (listener != null) ? this.owner.mismatchOfListener(listener.user())
						: "the listener's credentials cannot be read on this transport";
			}
		}
		catch (IOException | RuntimeException ex) {
			mismatch = "its owner could not be read (" + ex + ")";
		}
		if (mismatch == null) {
			return null;
		}
		return failure(Reason.OWNER_MISMATCH, mismatch + "; nothing was sent",
				"If that owner is right, correct 'unix-socket.clients." + this.name
						+ ".peer'; otherwise find out who replaced the socket",
				null);
	}

	private UnixSocketConnectException failure(Reason reason, String what, String fix, @Nullable Throwable cause) {
		String message = "Unix socket client '" + this.name + "' could not use " + this.path + ": " + what + ". " + fix
				+ ".";
		return new UnixSocketConnectException(this.name, this.path, reason, message, cause);
	}

	/**
	 * The type bits of the file at the path (links followed, as connect does), {@link #NO_FILE},
	 * or {@link #UNKNOWN} when it cannot be read (a directory above it this process may not search).
	 */
	private int fileType() {
		try {
			return ((Integer) Files.getAttribute(this.path, "unix:mode")) & S_IFMT;
		}
		catch (NoSuchFileException ex) {
			return NO_FILE;
		}
		catch (IOException | RuntimeException ex) {
			return UNKNOWN;
		}
	}

	/**
	 * Sends requests as HTTP/1.1. Reactor Netty 1.3.8 takes a channel that is neither a TCP
	 * nor a native domain socket channel for HTTP/3 ({@code HttpClientOperations.initHttpVersion}),
	 * so its requests on NIO's domain socket channel say {@code HTTP/3.0}, which Tomcat
	 * answers with 505. The codec frames them as HTTP/1.1 all the same.
	 */
	@ChannelHandler.Sharable
	private static final class Http11 extends ChannelOutboundHandlerAdapter {

		static final Http11 INSTANCE = new Http11();

		@Override
		public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
			if (message instanceof HttpRequest request && request.protocolVersion() != HttpVersion.HTTP_1_1) {
				request.setProtocolVersion(HttpVersion.HTTP_1_1);
			}
			context.write(message, promise);
		}

	}

	/**
	 * Completes a new connection's connect only once it is known to be usable, so neither
	 * Reactor Netty nor the request sees a socket that failed the check.
	 */
	private final class ConnectCheck extends ChannelOutboundHandlerAdapter {

		@Override
		public void connect(ChannelHandlerContext context, SocketAddress remote, @Nullable SocketAddress local,
				ChannelPromise promise) {
			ChannelPromise connected = context.newPromise();
			connected.addListener((future) -> {
				if (!future.isSuccess()) {
					promise.tryFailure(connectFailure(future.cause()));
					return;
				}
				UnixSocketConnectException mismatch = ownerMismatch(context.channel());
				if (mismatch != null) {
					promise.tryFailure(mismatch);
					context.close();
					return;
				}
				context.pipeline().remove(this);
				promise.trySuccess();
			});
			context.connect(remote, local, connected);
		}

	}

}
