package io.github.unixsocket.actuate;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

import io.github.unixsocket.server.DatagramServer;
import io.github.unixsocket.server.EventLoopGroup;
import io.github.unixsocket.server.RejectReason;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.UnixSocketServerView;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters of the Unix socket servers, tagged {@code server}. Every meter reads
 * the engine's own counters when the registry asks: nothing is incremented per read or
 * write (open connections count their bytes without shared state and the server sums
 * them on demand).
 * <ul>
 * <li>{@code unix.socket.connections.current}: gauge of open connections;</li>
 * <li>{@code unix.socket.connections.accepted}: connections handed to the handler;</li>
 * <li>{@code unix.socket.connections.rejected}: closed before the handler ran, tag
 * {@code reason} ({@code max-connections}, {@code unauthorized}, {@code setup-failed}), or
 * cut off while it ran ({@code buffer-budget}, {@code message-timeout});</li>
 * <li>{@code unix.socket.buffer.used}: gauge of the bytes the read buffers of unfinished
 * messages hold in the server's buffer budget (stream servers; 0 for datagram
 * servers);</li>
 * <li>{@code unix.socket.datagrams.received}: datagrams received;</li>
 * <li>{@code unix.socket.datagrams.replied}, {@code unix.socket.datagrams.dropped},
 * {@code unix.socket.datagrams.truncated}: datagram servers only (0 for stream servers);</li>
 * <li>{@code unix.socket.datagrams.replies.refused}: replies refused by the reply rules
 * (datagram servers only);</li>
 * <li>{@code unix.socket.bytes.received}, {@code unix.socket.bytes.sent}: bytes;</li>
 * <li>{@code unix.socket.messages.received}: messages a message handler got (framed stream
 * servers: each line, frame or command line);</li>
 * <li>{@code unix.socket.handler.time}: a function timer of the handler invocations of a
 * stream server (one per message, or one per connection for a connection handler) and the
 * time spent in them, counted by the engine without an {@code Observation} per
 * message;</li>
 * <li>{@code unix.socket.event-loop.blocked} (no {@code server} tag): times an event loop
 * was found busy with one task for longer than its blocked threshold.</li>
 * </ul>
 */
public class UnixSocketMetrics implements MeterBinder {

	private static final List<Counted> COUNTERS = List.of(
			new Counted("unix.socket.connections.accepted", "Connections accepted and handed to the handler",
					BaseUnits.CONNECTIONS, UnixSocketServerView::acceptedConnections),
			new Counted("unix.socket.datagrams.received", "Datagrams received", "datagrams",
					UnixSocketServerView::datagramsReceived),
			new Counted("unix.socket.datagrams.replied", "Replies sent to datagram senders", "datagrams",
					datagram(DatagramServer::datagramsReplied)),
			new Counted("unix.socket.datagrams.dropped", "Datagrams dropped: worker queue full, or left at the drain "
					+ "deadline", "datagrams", datagram(DatagramServer::datagramsDropped)),
			new Counted("unix.socket.datagrams.truncated", "Datagrams over max-message-size, not handled", "datagrams",
					datagram(DatagramServer::datagramsTruncated)),
			new Counted("unix.socket.datagrams.replies.refused",
					"Replies not sent: the sender's address was not a safe place to send to", "datagrams",
					datagram(DatagramServer::datagramRepliesRefused)),
			new Counted("unix.socket.bytes.received", "Bytes read from peers", BaseUnits.BYTES,
					UnixSocketServerView::bytesReceived),
			new Counted("unix.socket.bytes.sent", "Bytes written to peers", BaseUnits.BYTES,
					UnixSocketServerView::bytesSent),
			new Counted("unix.socket.messages.received", "Messages handed to the message handler", "messages",
					stream(StreamServer::messagesHandled)));

	private final Collection<String> names;

	private final Function<String, @Nullable UnixSocketServerView> servers;

	private final @Nullable EventLoopGroup eventLoops;

	/** Servers added by {@link #bindServer}, bound to every registry from then on. */
	private final Set<String> added = ConcurrentHashMap.newKeySet();

	/** The names bound so far, per registry (a binder may be bound to several). */
	private final Map<MeterRegistry, Set<String>> bound = new ConcurrentHashMap<>();

	/**
	 * @param names the server names
	 * @param servers a server by name, looked up when a meter is read (servers may be
	 * built after the meters are bound); {@code null} reads as 0
	 * @param eventLoops the loops of the framed servers, {@code null} for none
	 */
	public UnixSocketMetrics(Collection<String> names, Function<String, @Nullable UnixSocketServerView> servers,
			@Nullable EventLoopGroup eventLoops) {
		this.names = List.copyOf(names);
		this.servers = servers;
		this.eventLoops = eventLoops;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		if (this.eventLoops != null) {
			FunctionCounter.builder("unix.socket.event-loop.blocked", this.eventLoops, EventLoopGroup::blockedCount)
				.description("Times an event loop was busy with one task for longer than its blocked threshold")
				.register(registry);
		}
		this.bound.putIfAbsent(registry, ConcurrentHashMap.newKeySet());
		for (String name : this.names) {
			bind(registry, name);
		}
		this.added.forEach((name) -> bind(registry, name));
	}

	/**
	 * Add the meters of a server that was registered after the meters were bound (a web
	 * server's socket), now and in every registry bound later; nothing happens for a name
	 * already bound.
	 * @param name the server's name
	 */
	public void bindServer(String name) {
		this.added.add(name);
		this.bound.keySet().forEach((registry) -> bind(registry, name));
	}

	private void bind(MeterRegistry registry, String name) {
		if (!this.bound.computeIfAbsent(registry, (key) -> ConcurrentHashMap.newKeySet()).add(name)) {
			return;
		}
		{
			Tags tags = Tags.of("server", name);
			Gauge.builder("unix.socket.connections.current", this, read(name, UnixSocketServerView::openConnections))
				.description("Open connections")
				.baseUnit(BaseUnits.CONNECTIONS)
				.tags(tags)
				.register(registry);
			Gauge.builder("unix.socket.buffer.used", this, read(name, UnixSocketMetrics::bufferBudgetUsed))
				.description("Bytes held by the read buffers of unfinished messages, out of the server's buffer budget")
				.baseUnit(BaseUnits.BYTES)
				.tags(tags)
				.register(registry);
			for (Counted counted : COUNTERS) {
				FunctionCounter.builder(counted.name(), this, read(name, counted.value()))
					.description(counted.description())
					.baseUnit(counted.unit())
					.tags(tags)
					.register(registry);
			}
			for (RejectReason reason : RejectReason.values()) {
				FunctionCounter
					.builder("unix.socket.connections.rejected", this,
							read(name, (server) -> server.rejectedConnections(reason)))
					.description("Connections refused: closed before their handler ran, or cut off by a limit")
					.baseUnit(BaseUnits.CONNECTIONS)
					.tags(tags.and("reason", reason.tag()))
					.register(registry);
			}
			FunctionTimer
				.builder("unix.socket.handler.time", this, readLong(name, StreamServer::handlerInvocations),
						read(name, stream(StreamServer::handlerNanos)), TimeUnit.NANOSECONDS)
				.description("Time in the handler: per message for a message handler, per connection for a "
						+ "connection handler")
				.tags(tags)
				.register(registry);
		}
	}

	private ToDoubleFunction<UnixSocketMetrics> read(String name, ToDoubleFunction<UnixSocketServerView> value) {
		return (metrics) -> {
			UnixSocketServerView server = metrics.servers.apply(name);
			return (server != null) ? value.applyAsDouble(server) : 0;
		};
	}

	private ToLongFunction<UnixSocketMetrics> readLong(String name, ToLongFunction<StreamServer> value) {
		return (metrics) -> (metrics.servers.apply(name) instanceof StreamServer stream)
				? value.applyAsLong(stream) : 0;
	}

	private static ToDoubleFunction<UnixSocketServerView> stream(ToDoubleFunction<StreamServer> value) {
		return (server) -> (server instanceof StreamServer stream) ? value.applyAsDouble(stream) : 0;
	}

	private static double bufferBudgetUsed(UnixSocketServerView server) {
		return (server instanceof StreamServer stream) ? stream.bufferBudget().used() : 0;
	}

	private static ToDoubleFunction<UnixSocketServerView> datagram(ToDoubleFunction<DatagramServer> value) {
		return (server) -> (server instanceof DatagramServer datagramServer) ? value.applyAsDouble(datagramServer) : 0;
	}

	private record Counted(String name, String description, String unit, ToDoubleFunction<UnixSocketServerView> value) {
	}

}
