package io.github.unixsocket.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.github.unixsocket.server.StreamServerTest.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class FramedConnectionHandlerTest {

	private static final MessageHandler UPPER = (connection, message) -> new String(message, StandardCharsets.UTF_8)
		.toUpperCase(Locale.ROOT)
		.getBytes(StandardCharsets.UTF_8);

	@TempDir
	Path dir;

	private final List<StreamServer> servers = new ArrayList<>();

	@AfterEach
	void closeServers() {
		this.servers.forEach(StreamServer::close);
	}

	private Path start(ConnectionHandler handler) throws IOException {
		return start(handler, UnaryOperator.identity());
	}

	private Path start(ConnectionHandler handler, UnaryOperator<StreamServer.Builder> settings) throws IOException {
		Path path = this.dir.resolve("framed-" + this.servers.size() + ".sock");
		StreamServer server = settings.apply(StreamServer.builder("framed", path).handler(handler)).build();
		this.servers.add(server);
		server.start();
		return path;
	}

	private StreamServer server() {
		return this.servers.get(this.servers.size() - 1);
	}

	@Test
	void bufferBudgetClosesTheLargestUnfinishedMessageAndSmallClientsAreServed() throws Exception {
		Path path = start(FramedConnectionHandler.lines(UPPER, 1024 * 1024),
				(builder) -> builder.bufferBudget(256 * 1024));
		StreamServer server = server();
		try (TestClient attacker = TestClient.connect(path); TestClient legit = TestClient.connect(path)) {
			attacker.write("x".repeat(200_000));
			// Its buffer doubled from 8KB to 256KB; all but the first 8KB is reserved.
			awaitCondition(() -> server.bufferBudget().used() == 256 * 1024 - 8192);
			// 20KB needs a 32KB buffer: 24KB more than the budget has left, so the attacker goes.
			String message = "y".repeat(20_000);
			legit.write(message + "\n");
			assertThat(legit.read(20_001)).isEqualTo(message.toUpperCase(Locale.ROOT) + "\n");
			assertThat(attacker.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(server.rejectedConnections(RejectReason.BUFFER_BUDGET)).isEqualTo(1);
			assertThat(legit.exchange("still served\n")).isEqualTo("STILL SERVED\n");
			// The large message is done: its buffer went back, the connection stays.
			awaitCondition(() -> server.bufferBudget().used() == 0);
			assertThat(legit.channel().isOpen()).isTrue();
		}
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.bufferBudget().used()).isZero();
		assertThat(server.rejectedConnections(RejectReason.BUFFER_BUDGET)).isEqualTo(1);
	}

	@Test
	void requesterThatWouldHoldTheMostOfTheBudgetIsClosedItself() throws Exception {
		Path path = start(FramedConnectionHandler.lines(UPPER, 1024 * 1024),
				(builder) -> builder.bufferBudget(64 * 1024));
		StreamServer server = server();
		try (TestClient legit = TestClient.connect(path); TestClient attacker = TestClient.connect(path)) {
			String message = "y".repeat(20_000);
			legit.write(message);
			awaitCondition(() -> server.bufferBudget().used() == 32 * 1024 - 8192);
			try {
				attacker.write("x".repeat(100_000));
			}
			catch (IOException ex) {
				// the server may close it before the write is done
			}
			assertThat(attacker.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(server.rejectedConnections(RejectReason.BUFFER_BUDGET)).isEqualTo(1);
			legit.write("\n");
			assertThat(legit.read(20_001)).isEqualTo(message.toUpperCase(Locale.ROOT) + "\n");
		}
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.bufferBudget().used()).isZero();
	}

	@Test
	void reservationsAreReturnedWhenAHandlerFailsOrIsAbandonedAtTheDrainDeadline() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		Path path = start(FramedConnectionHandler.lines((connection, message) -> {
			if (message[0] == 'e') {
				throw new IllegalStateException("fails while its large message is buffered");
			}
			// Blocks for good, deaf to interrupts: the drain deadline abandons its thread.
			while (release.getCount() > 0) {
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					// ignored on purpose
				}
			}
			return message;
		}, 1024 * 1024));
		StreamServer server = server();
		try (TestClient failing = TestClient.connect(path); TestClient stuck = TestClient.connect(path)) {
			failing.write("e".repeat(20_000) + "\n");
			assertThat(failing.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			awaitCondition(() -> server.handlerErrors() == 1 && server.bufferBudget().used() == 0);
			stuck.write("s".repeat(20_000) + "\n");
			// Still in the handler: the buffer holding the message is still reserved.
			awaitCondition(() -> server.bufferBudget().used() == 32 * 1024 - 8192);
			assertThat(server.stop(Duration.ofMillis(100))).isEqualTo(new DrainResult(0, 1));
			assertThat(server.bufferBudget().used()).isZero();
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void messageTimeoutClosesAStalledMessageButNotIdleConnectionsNorBusyHandlers() throws Exception {
		CountDownLatch slowHandler = new CountDownLatch(1);
		Path path = start(FramedConnectionHandler.lines((connection, message) -> {
			if (new String(message, StandardCharsets.UTF_8).equals("slow")) {
				slowHandler.await();
			}
			return UPPER.handle(connection, message);
		}, 1024), (builder) -> builder.messageTimeout(Duration.ofSeconds(1)));
		StreamServer server = server();
		try (TestClient idle = TestClient.connect(path); TestClient pipelining = TestClient.connect(path);
				TestClient stalled = TestClient.connect(path)) {
			assertThat(idle.exchange("a\n")).isEqualTo("A\n");
			// "slow" keeps its handler busy; "fas" waits behind it, its first bytes already read.
			pipelining.write("slow\nfas");
			// Stalls in its second message, pipelined behind the first.
			stalled.write("a\nhalf a li");
			assertThat(stalled.read(2)).isEqualTo("A\n");
			long start = System.nanoTime();
			assertThat(stalled.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
			assertThat(server.rejectedConnections(RejectReason.MESSAGE_TIMEOUT)).isEqualTo(1);
			// Longer than the timeout in the handler, and "fas" unfinished all along: its clock starts now.
			slowHandler.countDown();
			pipelining.write("t\n");
			assertThat(pipelining.read(10)).isEqualTo("SLOW\nFAST\n");
			// Idle between messages for longer than the timeout: not affected.
			assertThat(idle.exchange("b\n")).isEqualTo("B\n");
			assertThat(server.rejectedConnections(RejectReason.MESSAGE_TIMEOUT)).isEqualTo(1);
		}
		finally {
			slowHandler.countDown();
		}
	}

	@Test
	void messageTimeoutCatchesAClientThatTricklesItsMessage() throws Exception {
		Path path = start(FramedConnectionHandler.lines(UPPER, 1024),
				(builder) -> builder.messageTimeout(Duration.ofMillis(500)));
		StreamServer server = server();
		try (TestClient trickler = TestClient.connect(path)) {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			boolean closed = false;
			// The client under test: one byte every 50ms keeps it active, so only the message timeout can end it
			// (a write to a Unix socket its peer has closed fails at once).
			while (!closed && System.nanoTime() < deadline) {
				try {
					trickler.write("x");
					Thread.sleep(50);
				}
				catch (IOException ex) {
					closed = true;
				}
			}
			assertThat(closed).as("closed by the message timeout").isTrue();
		}
		awaitCondition(() -> server.rejectedConnections(RejectReason.MESSAGE_TIMEOUT) == 1);
	}

	@Test
	void linesAreAnsweredOneReplyLineEach() throws Exception {
		Path path = start(FramedConnectionHandler.lines(UPPER, 1024));
		try (TestClient client = TestClient.connect(path)) {
			client.write("hello\n");
			assertThat(client.read(6)).isEqualTo("HELLO\n");
			client.write("crlf\r\n\nlast");
			assertThat(client.read(6)).isEqualTo("CRLF\n\n");
			client.channel().shutdownOutput();
			// A last line without newline is still a message; then the server closes.
			assertThat(client.read(5)).isEqualTo("LAST\n");
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
		}
	}

	@Test
	void drainClosesIdleConnectionsAtOnceAndFinishesAMessageInProgress() throws Exception {
		Path path = start(FramedConnectionHandler.lines(UPPER, 1024));
		StreamServer server = this.servers.get(0);
		try (TestClient idle = TestClient.connect(path); TestClient midMessage = TestClient.connect(path)) {
			assertThat(idle.exchange("a\n")).isEqualTo("A\n");
			midMessage.write("half a li");
			awaitCondition(() -> server.bytesReceived() == 11);
			CompletableFuture<DrainResult> stopping = CompletableFuture.supplyAsync(() -> server.stop(Duration.ofSeconds(60)));
			assertThat(idle.awaitClosedByServer(Duration.ofSeconds(10))).as("idle closed long before the deadline")
				.isTrue();
			midMessage.write("ne\n");
			assertThat(midMessage.read(12)).isEqualTo("HALF A LINE\n");
			assertThat(midMessage.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(stopping.get(10, TimeUnit.SECONDS)).isEqualTo(new DrainResult(2, 0));
		}
	}

	@Test
	void linesSplitAcrossWritesAndPipelinedAreAnsweredInOrder() throws Exception {
		Path path = start(FramedConnectionHandler.lines(UPPER, 1024));
		try (TestClient client = TestClient.connect(path)) {
			for (byte b : "split across writes\n".getBytes(StandardCharsets.UTF_8)) {
				client.write(new byte[] { b });
			}
			assertThat(client.read(20)).isEqualTo("SPLIT ACROSS WRITES\n");
			StringBuilder requests = new StringBuilder();
			StringBuilder replies = new StringBuilder();
			for (int i = 0; i < 500; i++) {
				requests.append("request ").append(i).append('\n');
				replies.append("REQUEST ").append(i).append('\n');
			}
			client.write(requests.toString());
			assertThat(client.read(replies.length())).isEqualTo(replies.toString());
		}
	}

	@Test
	void linesGrowTheBufferUpToTheLimit() throws Exception {
		Path path = start(FramedConnectionHandler.lines(UPPER, 100_000));
		String line = "x".repeat(100_000);
		try (TestClient client = TestClient.connect(path)) {
			client.write(line + "\n");
			assertThat(client.read(100_001)).isEqualTo(line.toUpperCase(Locale.ROOT) + "\n");
		}
	}

	@Test
	void lineOverTheLimitClosesTheConnectionAndTheServerGoesOn() throws Exception {
		AtomicInteger tooLarge = new AtomicInteger();
		MessageHandler handler = new MessageHandler() {

			@Override
			public byte[] handle(Connection connection, byte[] message) {
				return message;
			}

			@Override
			public byte[] messageTooLarge(Connection connection, int maxMessageSize) {
				tooLarge.incrementAndGet();
				return ("too large, max " + maxMessageSize).getBytes(StandardCharsets.UTF_8);
			}

		};
		Path path = start(FramedConnectionHandler.lines(handler, 10));
		try (TestClient client = TestClient.connect(path)) {
			client.write("0123456789\n");
			assertThat(client.read(11)).isEqualTo("0123456789\n");
			client.write("0123456789A");
			assertThat(client.read(17)).isEqualTo("too large, max 10");
			assertThat(client.read(1)).isEqualTo("\n");
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
		}
		assertThat(tooLarge).hasValue(1);
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("still here\n")).isEqualTo("still here\n");
		}
	}

	@Test
	void lengthPrefixedFramesSplitAndPipelined() throws Exception {
		Path path = start(FramedConnectionHandler.lengthPrefixed(UPPER, 1024));
		try (TestClient client = TestClient.connect(path)) {
			byte[] frame = frame("split");
			for (byte b : frame) {
				client.write(new byte[] { b });
			}
			assertThat(client.readBytes(9)).isEqualTo(frame("SPLIT"));
			ByteBuffer pipelined = ByteBuffer.allocate(64 * 1024);
			ByteBuffer expected = ByteBuffer.allocate(64 * 1024);
			for (int i = 0; i < 300; i++) {
				pipelined.put(frame("frame " + i));
				expected.put(frame("FRAME " + i));
			}
			pipelined.put(frame(""));
			expected.put(frame(""));
			client.write(toArray(pipelined));
			assertThat(client.readBytes(expected.position())).isEqualTo(toArray(expected));
		}
	}

	@Test
	void lengthPrefixedRandomFramesRoundTrip() throws Exception {
		Path path = start(FramedConnectionHandler.lengthPrefixed((connection, message) -> message, 64 * 1024));
		Random random = new Random(42);
		try (TestClient client = TestClient.connect(path)) {
			for (int i = 0; i < 200; i++) {
				byte[] message = new byte[random.nextInt(64 * 1024 + 1)];
				random.nextBytes(message);
				client.write(frame(message));
				assertThat(client.readBytes(message.length + 4)).isEqualTo(frame(message));
			}
		}
	}

	@Test
	void frameClaimingTwoGigabytesIsRejectedWithoutAllocatingIt() throws Exception {
		AtomicLong allocated = new AtomicLong(-1);
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
			.getThreadMXBean();
		FramedConnectionHandler framed = FramedConnectionHandler.lengthPrefixed(UPPER, 1024 * 1024);
		Path path = start((connection) -> {
			long before = threads.getCurrentThreadAllocatedBytes();
			try {
				framed.handle(connection);
			}
			finally {
				allocated.set(threads.getCurrentThreadAllocatedBytes() - before);
			}
		});
		for (int claimed : new int[] { Integer.MAX_VALUE, 0x80000000, 1024 * 1024 + 1 }) {
			allocated.set(-1);
			try (TestClient client = TestClient.connect(path)) {
				client.write(ByteBuffer.allocate(4).putInt(claimed).array());
				assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> allocated.get() >= 0);
			assertThat(allocated.get()).as("bytes allocated for a frame claiming %d", claimed)
				.isLessThan(256 * 1024);
		}
		try (TestClient client = TestClient.connect(path)) {
			client.write(frame("alive"));
			assertThat(client.readBytes(9)).isEqualTo(frame("ALIVE"));
		}
	}

	@Test
	void handlerFailureClosesOnlyThatConnection() throws Exception {
		Path path = start(FramedConnectionHandler.lines((connection, message) -> {
			if (message.length == 0) {
				throw new IllegalStateException("empty");
			}
			return message;
		}, 1024));
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("a\n")).isEqualTo("a\n");
			client.write("\n");
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> this.servers.get(0).handlerErrors() == 1);
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("b\n")).isEqualTo("b\n");
		}
	}

	@Test
	void nullReplySendsNothing() throws Exception {
		Path path = start(FramedConnectionHandler.lines(
				(connection, message) -> (message.length == 0) ? null : message, 1024));
		try (TestClient client = TestClient.connect(path)) {
			client.write("\n\nx\n");
			assertThat(client.read(2)).isEqualTo("x\n");
		}
	}

	@Test
	void limitMustBePositiveAndFitAnArray() {
		assertThatIllegalArgumentException().isThrownBy(() -> FramedConnectionHandler.lines(UPPER, 0));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> FramedConnectionHandler.lengthPrefixed(UPPER, Integer.MAX_VALUE));
	}

	private static byte[] frame(String text) {
		return frame(text.getBytes(StandardCharsets.UTF_8));
	}

	private static byte[] frame(byte[] message) {
		return ByteBuffer.allocate(4 + message.length).putInt(message.length).put(message).array();
	}

	private static byte[] toArray(ByteBuffer buffer) {
		byte[] bytes = new byte[buffer.position()];
		buffer.flip().get(bytes);
		return bytes;
	}

}
