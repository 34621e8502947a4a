package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up and tear-down the server tests share, written once instead of in every test
 * class: a fresh directory for the test's socket files; servers built and started from the
 * builders the test sets up; and, whether the test passes or fails, every one of them
 * stopped, every resource handed to {@link #closing} closed and the directory removed.
 * Then it checks that nothing is left running (the event loop groups it made, the threads
 * of the servers), so that a server that does not shut down fails the test that started it
 * rather than troubling the tests after it.
 *
 * <p>
 * Register it on an instance field: {@code @RegisterExtension final ServerFixture servers
 * = new ServerFixture();}. Sockets are real, in a real directory; nothing is mocked.
 */
public final class ServerFixture implements BeforeEachCallback, AfterEachCallback {

	private final List<UnixSocketServer> servers = new ArrayList<>();

	private final List<EventLoopGroup> groups = new ArrayList<>();

	/** What the threads of the servers and groups are named from. */
	private final List<String> threadNames = new ArrayList<>(List.of("unix-socket-"));

	private final List<AutoCloseable> resources = new ArrayList<>();

	private Set<Thread> threadsBefore = Set.of();

	private Path dir;

	/** How long the threads of stopped servers may take to end. */
	private final Duration threadsEnd;

	public ServerFixture() {
		this(Duration.ofSeconds(10));
	}

	ServerFixture(Duration threadsEnd) {
		this.threadsEnd = threadsEnd;
	}

	/** @return the test's socket directory, empty when the test starts */
	public Path dir() {
		if (this.dir == null) {
			throw new IllegalStateException("No directory before the test runs");
		}
		return this.dir;
	}

	/**
	 * @param name a file name, or a relative path
	 * @return that path in the test's directory
	 */
	public Path path(String name) {
		return dir().resolve(name);
	}

	/**
	 * Build, then start, a stream server; it is stopped after the test.
	 * @param builder the server as the test sets it up
	 * @return the running server
	 * @throws IOException if it cannot start
	 */
	public StreamServer start(StreamServer.Builder builder) throws IOException {
		return start(builder.build());
	}

	/**
	 * Build, then start, a datagram server; it is stopped after the test.
	 * @param builder the server as the test sets it up
	 * @return the running server
	 * @throws IOException if it cannot start
	 */
	public DatagramServer start(DatagramServer.Builder builder) throws IOException {
		return start(builder.build());
	}

	/**
	 * Start a server; it is stopped after the test, even if it fails to start.
	 * @param <S> the server's type
	 * @param server a server not yet started
	 * @return the running server
	 * @throws IOException if it cannot start
	 */
	public <S extends UnixSocketServer> S start(S server) throws IOException {
		add(server);
		server.start();
		return server;
	}

	/**
	 * Stop a server after the test, for one the test starts (or fails to start) itself.
	 * @param <S> the server's type
	 * @param server the server
	 * @return the server
	 */
	public <S extends UnixSocketServer> S add(S server) {
		this.servers.add(server);
		return server;
	}

	/** @return the servers given to this fixture in this test, in order */
	public List<UnixSocketServer> started() {
		return Collections.unmodifiableList(this.servers);
	}

	/** @return the server given to this fixture last */
	public UnixSocketServer last() {
		return this.servers.get(this.servers.size() - 1);
	}

	/**
	 * A group of event loops of the test's own, so that its threads can be told apart; they
	 * must have stopped once the servers that use it have.
	 * @param name the group's name, the prefix of its threads' names
	 * @param threads number of loops
	 * @param blockedThreshold a loop busy with one task for longer is reported
	 * @return the group
	 */
	public EventLoopGroup loops(String name, int threads, Duration blockedThreshold) {
		EventLoopGroup group = new EventLoopGroup(name, threads, blockedThreshold);
		this.groups.add(group);
		// Its threads: its loops name-N, its name-watchdog.
		this.threadNames.add(name + "-");
		return group;
	}

	/**
	 * Close a resource after the test, once the servers are stopped (clients, sockets the
	 * test binds itself).
	 * @param <C> the resource's type
	 * @param resource the resource
	 * @return the resource
	 */
	public <C extends AutoCloseable> C closing(C resource) {
		this.resources.add(resource);
		return resource;
	}

	@Override
	public void beforeEach(ExtensionContext context) throws IOException {
		this.threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
		this.dir = Files.createTempDirectory("unix-socket-test-");
	}

	@Override
	public void afterEach(ExtensionContext context) throws Exception {
		Exception failure = null;
		for (UnixSocketServer server : this.servers) {
			try {
				server.close();
			}
			catch (RuntimeException ex) {
				failure = addTo(failure, ex);
			}
		}
		for (AutoCloseable resource : this.resources) {
			try {
				resource.close();
			}
			catch (Exception ex) {
				failure = addTo(failure, ex);
			}
		}
		List<String> left = leftRunning();
		if (!left.isEmpty()) {
			failure = addTo(failure, new IllegalStateException("Left running after the test: " + left));
		}
		try {
			delete(this.dir);
		}
		catch (IOException ex) {
			failure = addTo(failure, ex);
		}
		if (failure != null) {
			throw failure;
		}
	}

	private List<String> leftRunning() {
		List<String> running = this.servers.stream()
			.filter((server) -> server.state() != ServerState.STOPPED && server.state() != ServerState.NEW)
			.map((server) -> "server '" + server.name() + "'")
			.collect(Collectors.toCollection(ArrayList::new));
		this.groups.stream().filter(EventLoopGroup::isRunning).map(EventLoopGroup::toString).forEach(running::add);
		// The threads that run the test's handlers (one a connection, or workers) are the test's to
		// end: a handler may block forever on purpose. The server's own must all have ended.
		Set<String> handlerThreads = this.servers.stream()
			.map((server) -> Pattern.quote("unix-socket-" + server.name() + "-") + "(worker-)?\\d+")
			.collect(Collectors.toSet());
		Predicate<Thread> leaked = (thread) -> thread.isAlive() && !this.threadsBefore.contains(thread)
				&& this.threadNames.stream().anyMatch(thread.getName()::startsWith)
				&& handlerThreads.stream().noneMatch(thread.getName()::matches);
		long deadline = System.nanoTime() + this.threadsEnd.toNanos();
		List<Thread> threads = leaked(leaked);
		while (!threads.isEmpty() && System.nanoTime() < deadline) {
			ServerSupport.sleep(Duration.ofMillis(20));
			threads = leaked(leaked);
		}
		threads.forEach((thread) -> running.add("thread " + thread.getName()));
		return running;
	}

	private static List<Thread> leaked(Predicate<Thread> leaked) {
		return Thread.getAllStackTraces().keySet().stream().filter(leaked).toList();
	}

	private static Exception addTo(Exception failure, Exception ex) {
		if (failure == null) {
			return ex;
		}
		failure.addSuppressed(ex);
		return failure;
	}

	private static void delete(Path dir) throws IOException {
		if (dir == null || !Files.exists(dir)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(dir)) {
			for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(path);
			}
		}
	}

}
