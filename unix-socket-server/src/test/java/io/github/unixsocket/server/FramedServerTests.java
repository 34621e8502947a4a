package io.github.unixsocket.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a client of a {@code lines} or {@code length-prefixed} server observes, whichever
 * transport serves it: a thread per connection ({@link FramedConnectionHandler}), the
 * event loop handing messages to workers, or the event loop running the handler itself.
 * Each subclass runs every test here on its transport; tests that are about one transport
 * (exact buffer sizes, allocations) live in the subclass.
 */
@Timeout(60)
abstract class FramedServerTests {

	static final MessageHandler UPPER = (connection, message) -> new String(message, StandardCharsets.UTF_8)
		.toUpperCase(Locale.ROOT)
		.getBytes(StandardCharsets.UTF_8);

	static final MessageHandler ECHO = (connection, message) -> message;

	/** {@link #UPPER}, after 800ms for the message {@code slow}. */
	static final MessageHandler SLOW_FOR_800_MS = (connection, message) -> {
		if (new String(message, StandardCharsets.UTF_8).equals("slow")) {
			Thread.sleep(800);
		}
		return UPPER.handle(connection, message);
	};

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	/**
	 * Serve framed messages on this transport.
	 * @param builder the server's builder
	 * @param framing lines or length-prefixed
	 * @param handler the message handler
	 * @param maxMessageSize largest message
	 * @return the builder
	 */
	abstract StreamServer.Builder serve(StreamServer.Builder builder, Framing framing, MessageHandler handler,
			int maxMessageSize);

	/**
	 * The most a connection's buffer may count against the budget while it holds one
	 * message in progress: the message's bytes and its frame, and no more.
	 * @param framing lines or length-prefixed
	 * @param maxMessageSize largest message
	 * @return bytes
	 */
	long mostReservedForOneMessage(Framing framing, int maxMessageSize) {
		return maxMessageSize + ((framing == Framing.LINES) ? 1 : 4);
	}

	/** @return whether a handler may block without holding up the other connections */
	boolean handlersMayBlock() {
		return true;
	}

	Path start(Framing framing, MessageHandler handler, int maxMessageSize) throws IOException {
		return start(framing, handler, maxMessageSize, UnaryOperator.identity());
	}

	Path start(Framing framing, MessageHandler handler, int maxMessageSize,
			UnaryOperator<StreamServer.Builder> settings) throws IOException {
		Path path = this.servers.path("framed-" + this.servers.started().size() + ".sock");
		this.servers
			.start(settings.apply(serve(StreamServer.builder("framed", path), framing, handler, maxMessageSize)));
		return path;
	}

	StreamServer server() {
		return (StreamServer) this.servers.last();
	}

	// --- Framing ---------------------------------------------------------------------------

	@Test
	void linesAreAnsweredOneReplyLineEach() throws Exception {
		Path path = start(Framing.LINES, UPPER, 1024);
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
	void linesSplitAcrossWritesAndPipelinedAreAnsweredInOrder() throws Exception {
		Path path = start(Framing.LINES, UPPER, 1024);
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
	void lineOfExactlyTheLimitIsServed() throws Exception {
		Path path = start(Framing.LINES, UPPER, 100_000);
		String line = "x".repeat(100_000);
		try (TestClient client = TestClient.connect(path)) {
			client.write(line + "\n");
			assertThat(client.read(100_001)).isEqualTo(line.toUpperCase(Locale.ROOT) + "\n");
			client.write(line + "\r\n");
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).as("the \\r counts").isTrue();
		}
		awaitCondition(() -> server().openConnections() == 0 && server().bufferBudget().used() == 0);
	}

	@Test
	void lineOverTheLimitClosesTheConnectionAndTheServerGoesOn() throws Exception {
		AtomicInteger tooLarge = new AtomicInteger();
		Path path = start(Framing.LINES, tooLargeSays(tooLarge), 10);
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
	void messagesPipelinedBeforeATooLargeOneAreAnsweredFirst() throws Exception {
		AtomicInteger tooLarge = new AtomicInteger();
		Path path = start(Framing.LINES, tooLargeSays(tooLarge), 10);
		try (TestClient client = TestClient.connect(path)) {
			StringBuilder requests = new StringBuilder();
			StringBuilder replies = new StringBuilder();
			for (int i = 0; i < 100; i++) {
				requests.append("line ").append(i).append('\n');
				replies.append("line ").append(i).append('\n');
			}
			client.write(requests + "0123456789ABCDEF\n");
			String expected = replies + "too large, max 10\n";
			assertThat(client.read(expected.length())).isEqualTo(expected);
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
		}
		assertThat(tooLarge).hasValue(1);
	}

	@Test
	void theLargestLimitStillFramesLines() throws Exception {
		Path path = start(Framing.LINES, UPPER, FramedConnectionHandler.MAX_LIMIT);
		try (TestClient client = TestClient.connect(path)) {
			String requests = "first line\nsecond line\nthird line\n";
			assertThat(client.exchange(requests)).isEqualTo(requests.toUpperCase(Locale.ROOT));
		}
	}

	@Test
	void lengthPrefixedFramesSplitAndPipelined() throws Exception {
		Path path = start(Framing.LENGTH_PREFIXED, UPPER, 1024);
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
		Path path = start(Framing.LENGTH_PREFIXED, ECHO, 64 * 1024);
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
	void frameClaimingTwoGigabytesClosesTheConnectionAndTheServerGoesOn() throws Exception {
		AtomicInteger tooLarge = new AtomicInteger();
		Path path = start(Framing.LENGTH_PREFIXED, tooLargeSays(tooLarge), 1024 * 1024);
		for (int claimed : new int[] { Integer.MAX_VALUE, 0x80000000, 1024 * 1024 + 1 }) {
			try (TestClient client = TestClient.connect(path)) {
				byte[] prefix = ByteBuffer.allocate(4).putInt(claimed).array();
				// In two pieces: the prefix is judged whole, even when it arrives split.
				client.write(new byte[] { prefix[0], prefix[1] });
				awaitCondition(() -> server().bytesReceived() % 4 == 2);
				client.write(new byte[] { prefix[2], prefix[3] });
				assertThat(client.readBytes(4 + 22)).isEqualTo(frame("too large, max 1048576"));
				assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			}
		}
		assertThat(tooLarge).hasValue(3);
		awaitCondition(() -> server().openConnections() == 0);
		assertThat(server().bufferBudget().used()).isZero();
		try (TestClient client = TestClient.connect(path)) {
			client.write(frame("alive"));
			assertThat(client.readBytes(9)).isEqualTo(frame("alive"));
		}
	}

	@Test
	void replyLargerThanAnyBufferKeepsItsPlaceInOrder() throws Exception {
		String large = "L".repeat(300_000);
		Path path = start(Framing.LINES, (connection, message) -> (message[0] == 'L') ? large.getBytes(
				StandardCharsets.UTF_8) : message, 1024);
		try (TestClient client = TestClient.connect(path)) {
			client.write("a\nL\nb\nL\nc\n");
			String expected = "a\n" + large + "\nb\n" + large + "\nc\n";
			assertThat(client.read(expected.length())).isEqualTo(expected);
		}
	}

	@Test
	void messagesOfExactlyTheLimitAreServedWhereverTheyStartInTheBuffer() throws Exception {
		Path lines = start(Framing.LINES, UPPER, 10);
		try (TestClient client = TestClient.connect(lines)) {
			client.write("abc\n0123456789\nx\n");
			assertThat(client.read(17)).isEqualTo("ABC\n0123456789\nX\n");
		}
		Path prefixed = start(Framing.LENGTH_PREFIXED, UPPER, 10);
		try (TestClient client = TestClient.connect(prefixed)) {
			client.write(concat(frame("abc"), frame("0123456789"), frame("x")));
			assertThat(client.readBytes(26)).isEqualTo(concat(frame("ABC"), frame("0123456789"), frame("X")));
		}
	}

	@Test
	void repliesThatOverflowTheReplyBufferByOneByteKeepTheirOrder() throws Exception {
		// "b8091": a reply of 8091 'b's. After a 100-byte reply, its frame is one byte more
		// than an 8KB reply buffer has left; 20000 bytes are more than any such buffer.
		MessageHandler sized = (connection, message) -> {
			String request = new String(message, StandardCharsets.UTF_8);
			return request.substring(0, 1).repeat(Integer.parseInt(request.substring(1))).getBytes(StandardCharsets.UTF_8);
		};
		Path lines = start(Framing.LINES, sized, 1024);
		try (TestClient client = TestClient.connect(lines)) {
			client.write("a100\nb8091\nc20000\nd1\n");
			String expected = "a".repeat(100) + "\n" + "b".repeat(8091) + "\n" + "c".repeat(20000) + "\nd\n";
			assertThat(client.read(expected.length())).isEqualTo(expected);
		}
		Path prefixed = start(Framing.LENGTH_PREFIXED, sized, 1024);
		try (TestClient client = TestClient.connect(prefixed)) {
			client.write(concat(frame("a100"), frame("b8085"), frame("c20000"), frame("d1")));
			byte[] expected = concat(frame("a".repeat(100)), frame("b".repeat(8085)), frame("c".repeat(20000)),
					frame("d"));
			assertThat(client.readBytes(expected.length)).isEqualTo(expected);
		}
	}

	@Test
	void theStartOfAMessageBehindALargeOneIsKeptWhenTheBufferShrinks() throws Exception {
		String large = "x".repeat(20_000);
		Path lines = start(Framing.LINES, UPPER, 64 * 1024);
		try (TestClient client = TestClient.connect(lines)) {
			client.write(large + "\ntail");
			assertThat(client.read(20_001)).isEqualTo(large.toUpperCase(Locale.ROOT) + "\n");
			client.write("\n");
			assertThat(client.read(5)).isEqualTo("TAIL\n");
		}
		Path prefixed = start(Framing.LENGTH_PREFIXED, UPPER, 64 * 1024);
		try (TestClient client = TestClient.connect(prefixed)) {
			byte[] tail = frame("tail");
			client.write(concat(frame(large), Arrays.copyOf(tail, 6)));
			assertThat(client.readBytes(20_004)).isEqualTo(frame(large.toUpperCase(Locale.ROOT)));
			client.write(Arrays.copyOfRange(tail, 6, tail.length));
			assertThat(client.readBytes(8)).isEqualTo(frame("TAIL"));
		}
	}

	@Test
	void repliesToMessagesBeforeATooLargeOneAreSentEvenWithoutAnErrorReply() throws Exception {
		Path path = start(Framing.LINES, UPPER, 10);
		try (TestClient client = TestClient.connect(path)) {
			client.write("a\nb\n0123456789ABC\n");
			assertThat(client.read(4)).isEqualTo("A\nB\n");
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
		}
		// A prefix claiming too much is judged at once, in the same read as the messages before it.
		Path prefixed = start(Framing.LENGTH_PREFIXED, UPPER, 10);
		try (TestClient client = TestClient.connect(prefixed)) {
			client.write(concat(frame("a"), frame("b"), ByteBuffer.allocate(4).putInt(11).array()));
			assertThat(client.readBytes(10)).isEqualTo(concat(frame("A"), frame("B")));
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
		}
	}

	@Test
	void aClientThatLeavesInTheMiddleOfALargeMessageGivesItsBufferBack() throws Exception {
		Path path = start(Framing.LINES, UPPER, 64 * 1024);
		try (TestClient client = TestClient.connect(path)) {
			client.write("x".repeat(40_000));
			awaitCondition(() -> server().bufferBudget().used() > 0);
		}
		awaitCondition(() -> server().openConnections() == 0 && server().bufferBudget().used() == 0);
	}

	@Test
	void nullReplySendsNothing() throws Exception {
		Path path = start(Framing.LINES, (connection, message) -> (message.length == 0) ? null : message, 1024);
		try (TestClient client = TestClient.connect(path)) {
			client.write("\n\nx\n");
			assertThat(client.read(2)).isEqualTo("x\n");
		}
	}

	// --- Half-close, counters -----------------------------------------------------------

	@Test
	void clientThatShutsDownItsOutputGetsEveryReplyThenEndOfStream() throws Exception {
		Path path = start(Framing.LINES, UPPER, 1024);
		StringBuilder requests = new StringBuilder();
		StringBuilder replies = new StringBuilder();
		for (int i = 0; i < 20_000; i++) {
			requests.append("request number ").append(i).append('\n');
			replies.append("REQUEST NUMBER ").append(i).append('\n');
		}
		try (TestClient client = TestClient.connect(path)) {
			// Written by another thread: the replies (about 400KB) must be read while it writes.
			CompletableFuture<Void> writing = inThread(() -> {
				client.write(requests.toString());
				client.channel().shutdownOutput();
			});
			assertThat(client.read(replies.length())).isEqualTo(replies.toString());
			assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			writing.get(10, TimeUnit.SECONDS);
		}
		awaitCondition(() -> server().openConnections() == 0);
		assertThat(server().bytesReceived()).isEqualTo(requests.length());
		assertThat(server().bytesSent()).isEqualTo(replies.length());
	}

	@Test
	void socatGetsEveryReplyThenEndOfStream() throws Exception {
		OtherUser.require(OtherUser.onPath("socat"), "'socat' is not installed");
		Path path = start(Framing.LINES, UPPER, 1024);
		StringBuilder requests = new StringBuilder();
		StringBuilder replies = new StringBuilder();
		for (int i = 0; i < 2000; i++) {
			requests.append("line ").append(i).append('\n');
			replies.append("LINE ").append(i).append('\n');
		}
		Process socat = new ProcessBuilder("socat", "-t", "10", "-", "UNIX-CONNECT:" + path)
			.redirectError(ProcessBuilder.Redirect.DISCARD)
			.start();
		// socat shuts down its output when its input ends, then prints the rest and exits at end-of-stream.
		CompletableFuture<Void> writing = inThread(() -> {
			try (OutputStream in = socat.getOutputStream()) {
				in.write(requests.toString().getBytes(StandardCharsets.UTF_8));
			}
		});
		String output;
		try (InputStream out = socat.getInputStream()) {
			output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
		}
		assertThat(socat.waitFor(10, TimeUnit.SECONDS)).isTrue();
		writing.get(10, TimeUnit.SECONDS);
		assertThat(output).isEqualTo(replies.toString());
		// socat ended at the server's end-of-stream, not at its own timeout.
		assertThat(socat.exitValue()).isZero();
	}

	@Test
	void byteCountersAreWhatTheClientSentAndReceived() throws Exception {
		Path path = start(Framing.LINES, UPPER, 1024);
		StreamServer server = server();
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("one\n")).isEqualTo("ONE\n");
			client.write("two\nthree\npartial");
			assertThat(client.read(10)).isEqualTo("TWO\nTHREE\n");
			awaitCondition(() -> server.bytesReceived() == 4 + 17);
			Connection connection = server.connections().iterator().next();
			assertThat(connection.bytesReceived()).isEqualTo(21);
			// Counted once the write returns: the client may have the bytes a moment before.
			awaitCondition(() -> connection.bytesSent() == 14);
			assertThat(server.bytesSent()).isEqualTo(14);
			assertThat(connection.lastActivity()).isAfterOrEqualTo(connection.openedAt());
		}
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.bytesReceived()).isEqualTo(21);
		assertThat(server.bytesSent()).isEqualTo(14);
	}

	// --- Buffer budget ------------------------------------------------------------------

	@Test
	void bufferOfAMessageInProgressNeverGrowsPastTheLimit() throws Exception {
		// Over the 8KB a thread-per-connection buffer starts with, and where doubling would overshoot.
		int limit = 10_000;
		byte[] body = "x".repeat(limit).getBytes(StandardCharsets.UTF_8);
		for (Framing framing : Framing.values()) {
			byte[] frame = (framing == Framing.LINES)
					? ByteBuffer.allocate(limit + 1).put(body).put((byte) '\n').array() : frame(body);
			long most = mostReservedForOneMessage(framing, limit);
			// A budget of exactly what the largest message may hold: it is served, so its buffer never held more.
			Path path = start(framing, ECHO, limit, (builder) -> builder.bufferBudget(most));
			StreamServer server = server();
			try (TestClient client = TestClient.connect(path)) {
				// All but its last byte first, so it is held as a message in progress.
				client.write(Arrays.copyOf(frame, frame.length - 1));
				awaitCondition(() -> server.bytesReceived() == frame.length - 1);
				client.write(new byte[] { frame[frame.length - 1] });
				assertThat(client.readBytes(frame.length)).as("%s: within a budget of %d bytes", framing, most)
					.isEqualTo(frame);
			}
			assertThat(server.rejectedConnections(RejectReason.BUFFER_BUDGET)).isZero();
			awaitCondition(() -> server.bufferBudget().used() == 0);
			// One byte less is not enough: the budget above was as tight as the message.
			Path tighter = start(framing, ECHO, limit, (builder) -> builder.bufferBudget(most - 1));
			StreamServer tight = server();
			try (TestClient client = TestClient.connect(tighter)) {
				client.write(Arrays.copyOf(frame, frame.length - 1));
				awaitCondition(() -> tight.bytesReceived() == frame.length - 1
						|| tight.rejectedConnections(RejectReason.BUFFER_BUDGET) == 1);
				try {
					client.write(new byte[] { frame[frame.length - 1] });
				}
				catch (IOException ex) {
					// already closed for the budget
				}
				assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).as("%s: over a budget of %d bytes",
						framing, most - 1).isTrue();
			}
			awaitCondition(() -> tight.rejectedConnections(RejectReason.BUFFER_BUDGET) == 1);
		}
	}

	@Test
	void bufferBudgetClosesTheLargestUnfinishedMessageAndSmallerClientsAreServed() throws Exception {
		Path path = start(Framing.LINES, UPPER, 1024 * 1024, (builder) -> builder.bufferBudget(256 * 1024));
		StreamServer server = server();
		try (TestClient attacker = TestClient.connect(path); TestClient legit = TestClient.connect(path)) {
			attacker.write("x".repeat(200_000));
			// Held in a buffer: most of the 200KB counts against the budget. All of it read first, or the
			// attacker is closed with bytes still unread and the count below is never reached.
			awaitCondition(() -> server.bytesReceived() == 200_000 && server.bufferBudget().used() >= 190_000);
			// Unfinished too (the server has its first half), so it needs room: the attacker holds the most and goes.
			String message = "y".repeat(100_000);
			legit.write(message.substring(0, 50_000));
			awaitCondition(() -> server.bytesReceived() == 250_000);
			legit.write(message.substring(50_000) + "\n");
			assertThat(legit.read(100_001)).isEqualTo(message.toUpperCase(Locale.ROOT) + "\n");
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
		Path path = start(Framing.LINES, UPPER, 1024 * 1024, (builder) -> builder.bufferBudget(64 * 1024));
		StreamServer server = server();
		try (TestClient legit = TestClient.connect(path); TestClient attacker = TestClient.connect(path)) {
			String message = "y".repeat(10_000);
			legit.write(message);
			awaitCondition(() -> server.bufferBudget().used() > 0);
			try {
				attacker.write("x".repeat(100_000));
			}
			catch (IOException ex) {
				// the server may close it before the write is done
			}
			assertThat(attacker.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(server.rejectedConnections(RejectReason.BUFFER_BUDGET)).isEqualTo(1);
			legit.write("\n");
			assertThat(legit.read(10_001)).isEqualTo(message.toUpperCase(Locale.ROOT) + "\n");
		}
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.bufferBudget().used()).isZero();
	}

	@Test
	void reservationsAreReturnedWhenAHandlerFails() throws Exception {
		Path path = start(Framing.LINES, (connection, message) -> {
			throw new IllegalStateException("fails while its large message is buffered");
		}, 1024 * 1024);
		StreamServer server = server();
		try (TestClient failing = TestClient.connect(path)) {
			failing.write("e".repeat(20_000));
			awaitCondition(() -> server.bufferBudget().used() > 0);
			failing.write("\n");
			assertThat(failing.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
		}
		awaitCondition(() -> server.handlerErrors() == 1 && server.openConnections() == 0);
		assertThat(server.bufferBudget().used()).isZero();
	}

	@Test
	@Tag(Slow.TAG)
	void reservationsAreReturnedWhenAHandlerIsAbandonedAtTheDrainDeadline() throws Exception {
		Assumptions.assumeTrue(handlersMayBlock(), "a handler on the event loop must not block");
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Path path = start(Framing.LINES, (connection, message) -> {
			entered.countDown();
			// Blocks for good, deaf to interrupts: the drain deadline abandons it.
			while (release.getCount() > 0) {
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					// ignored on purpose
				}
			}
			return message;
		}, 1024 * 1024);
		StreamServer server = server();
		try (TestClient stuck = TestClient.connect(path); TestClient unfinished = TestClient.connect(path)) {
			stuck.write("s".repeat(20_000) + "\n");
			assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
			unfinished.write("u".repeat(20_000));
			awaitCondition(() -> server.bytesReceived() == 40_001 && server.bufferBudget().used() > 0);
			assertThat(server.stop(Duration.ofMillis(100))).isEqualTo(new DrainResult(0, 2));
			assertThat(server.bufferBudget().used()).isZero();
			assertThat(stuck.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(unfinished.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
		}
		finally {
			release.countDown();
		}
	}

	// --- Message timeout ----------------------------------------------------------------

	@Test
	void messageTimeoutClosesAStalledMessageButNotIdleConnections() throws Exception {
		Path path = start(Framing.LINES, UPPER, 1024, (builder) -> builder.messageTimeout(Duration.ofMillis(500)));
		StreamServer server = server();
		try (TestClient idle = TestClient.connect(path); TestClient stalled = TestClient.connect(path)) {
			assertThat(idle.exchange("a\n")).isEqualTo("A\n");
			// Stalls in its second message, pipelined behind the first.
			long start = System.nanoTime();
			stalled.write("a\nhalf a li");
			assertThat(stalled.read(2)).isEqualTo("A\n");
			assertThat(stalled.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
			assertThat(server.rejectedConnections(RejectReason.MESSAGE_TIMEOUT)).isEqualTo(1);
			// Idle between messages for longer than the timeout: not affected.
			assertThat(idle.exchange("b\n")).isEqualTo("B\n");
			assertThat(server.rejectedConnections(RejectReason.MESSAGE_TIMEOUT)).isEqualTo(1);
		}
	}

	@Test
	void timeInTheHandlerDoesNotCountAgainstTheMessageTimeout() throws Exception {
		Path path = start(Framing.LINES, SLOW_FOR_800_MS, 1024,
				(builder) -> builder.messageTimeout(Duration.ofMillis(400)));
		StreamServer server = server();
		try (TestClient pipelining = TestClient.connect(path)) {
			// "slow" keeps its handler busy for twice the timeout; "fas" waits behind it, its first bytes sent.
			pipelining.write("slow\nfas");
			assertThat(pipelining.read(5)).isEqualTo("SLOW\n");
			// Its clock starts when the handler is done: the rest, sent right away, is in time.
			pipelining.write("t\n");
			assertThat(pipelining.read(5)).isEqualTo("FAST\n");
			assertThat(pipelining.exchange("after\n")).isEqualTo("AFTER\n");
		}
		assertThat(server.rejectedConnections(RejectReason.MESSAGE_TIMEOUT)).isZero();
	}

	@Test
	void timeInTheHandlerOfAFrameDoesNotCountAgainstTheMessageTimeout() throws Exception {
		Path path = start(Framing.LENGTH_PREFIXED, SLOW_FOR_800_MS, 1024,
				(builder) -> builder.messageTimeout(Duration.ofMillis(400)));
		StreamServer server = server();
		try (TestClient pipelining = TestClient.connect(path)) {
			byte[] fast = frame("fast");
			pipelining.write(concat(frame("slow"), Arrays.copyOf(fast, 6)));
			assertThat(pipelining.readBytes(8)).isEqualTo(frame("SLOW"));
			pipelining.write(Arrays.copyOfRange(fast, 6, fast.length));
			assertThat(pipelining.readBytes(8)).isEqualTo(frame("FAST"));
		}
		assertThat(server.rejectedConnections(RejectReason.MESSAGE_TIMEOUT)).isZero();
	}

	@Test
	@Tag(Slow.TAG)
	void messageTimeoutDoesNotRunWhileRepliesWaitForTheClientToRead() throws Exception {
		Path path = start(Framing.LINES, UPPER, 1024, (builder) -> builder.messageTimeout(Duration.ofMillis(200)));
		StreamServer server = server();
		StringBuilder requests = new StringBuilder();
		for (int i = 0; requests.length() < 2 * 1024 * 1024; i++) {
			requests.append("request ").append(i).append('\n');
		}
		try (TestClient client = TestClient.connect(path)) {
			// Unread replies hold the server back from reading the rest: a message it has begun included.
			CompletableFuture<Void> writing = inThread(() -> client.write(requests + "partial"));
			awaitStable(server::bytesReceived, Duration.ofMillis(500));
			assertThat(writing).isNotDone();
			assertThat(client.read(requests.length())).isEqualTo(requests.toString().toUpperCase(Locale.ROOT));
			writing.get(10, TimeUnit.SECONDS);
			client.write("\n");
			assertThat(client.read(8)).isEqualTo("PARTIAL\n");
		}
		assertThat(server.rejectedConnections(RejectReason.MESSAGE_TIMEOUT)).isZero();
	}

	@Test
	void messageTimeoutCatchesAClientThatTricklesItsMessage() throws Exception {
		Path path = start(Framing.LINES, UPPER, 1024, (builder) -> builder.messageTimeout(Duration.ofMillis(500)));
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

	// --- Drain, failures -----------------------------------------------------------------

	@Test
	void drainClosesIdleConnectionsAtOnceAndFinishesAMessageInProgress() throws Exception {
		Path path = start(Framing.LINES, UPPER, 1024);
		StreamServer server = server();
		try (TestClient idle = TestClient.connect(path); TestClient midMessage = TestClient.connect(path)) {
			assertThat(idle.exchange("a\n")).isEqualTo("A\n");
			midMessage.write("half a li");
			awaitCondition(() -> server.bytesReceived() == 11);
			CompletableFuture<DrainResult> stopping = CompletableFuture
				.supplyAsync(() -> server.stop(Duration.ofSeconds(60)));
			assertThat(idle.awaitClosedByServer(Duration.ofSeconds(10))).as("idle closed long before the deadline")
				.isTrue();
			midMessage.write("ne\n");
			assertThat(midMessage.read(12)).isEqualTo("HALF A LINE\n");
			assertThat(midMessage.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(stopping.get(10, TimeUnit.SECONDS)).isEqualTo(new DrainResult(2, 0));
		}
	}

	@Test
	void drainWaitsForAMessageWhoseRestArrivesInPieces() throws Exception {
		Path path = start(Framing.LINES, UPPER, 1024);
		StreamServer server = server();
		try (TestClient midMessage = TestClient.connect(path)) {
			midMessage.write("a message ");
			awaitCondition(() -> server.bytesReceived() == 10);
			CompletableFuture<DrainResult> stopping = CompletableFuture
				.supplyAsync(() -> server.stop(Duration.ofSeconds(60)));
			awaitCondition(() -> server.state() == ServerState.DRAINING);
			long received = 10;
			for (String piece : new String[] { "in ", "several ", "pieces" }) {
				midMessage.write(piece);
				received += piece.length();
				long expected = received;
				awaitCondition(() -> server.bytesReceived() == expected);
			}
			midMessage.write("\n");
			assertThat(midMessage.read(28)).isEqualTo("A MESSAGE IN SEVERAL PIECES\n");
			assertThat(midMessage.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			assertThat(stopping.get(10, TimeUnit.SECONDS)).isEqualTo(new DrainResult(1, 0));
		}
	}

	@Test
	void handlerFailureClosesOnlyThatConnection() throws Exception {
		Path path = start(Framing.LINES, (connection, message) -> {
			if (message.length == 0) {
				throw new IllegalStateException("empty");
			}
			return message;
		}, 1024);
		try (TestClient bystander = TestClient.connect(path)) {
			assertThat(bystander.exchange("first\n")).isEqualTo("first\n");
			try (TestClient client = TestClient.connect(path)) {
				assertThat(client.exchange("a\n")).isEqualTo("a\n");
				client.write("\n");
				assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			}
			awaitCondition(() -> server().handlerErrors() == 1);
			assertThat(bystander.exchange("second\n")).isEqualTo("second\n");
		}
		try (TestClient client = TestClient.connect(path)) {
			assertThat(client.exchange("b\n")).isEqualTo("b\n");
		}
		assertThat(server().handlerErrors()).isEqualTo(1);
	}

	/**
	 * Run blocking client I/O on a thread of its own (never a shared pool).
	 * @param task what to run
	 * @return completes when it is done
	 */
	static CompletableFuture<Void> inThread(ThrowingRunnable task) {
		CompletableFuture<Void> done = new CompletableFuture<>();
		Thread thread = new Thread(() -> {
			try {
				task.run();
				done.complete(null);
			}
			catch (Throwable ex) {
				done.completeExceptionally(ex);
			}
		}, "test-client");
		thread.setDaemon(true);
		thread.start();
		return done;
	}

	@FunctionalInterface
	interface ThrowingRunnable {

		void run() throws Exception;

	}

	/**
	 * Wait until a value stops changing for a while (to show that something no longer happens).
	 * @return the value
	 */
	static long awaitStable(LongSupplier value, Duration quiet) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		long last = value.getAsLong();
		long since = System.nanoTime();
		while (System.nanoTime() - since < quiet.toNanos()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("still changing after 20s: " + last);
			}
			Thread.sleep(20);
			long now = value.getAsLong();
			if (now != last) {
				last = now;
				since = System.nanoTime();
			}
		}
		return last;
	}

	static MessageHandler tooLargeSays(AtomicInteger count) {
		return new MessageHandler() {

			@Override
			public byte[] handle(Connection connection, byte[] message) {
				return message;
			}

			@Override
			public byte[] messageTooLarge(Connection connection, int maxMessageSize) {
				count.incrementAndGet();
				return ("too large, max " + maxMessageSize).getBytes(StandardCharsets.UTF_8);
			}

		};
	}

	static byte[] frame(String text) {
		return frame(text.getBytes(StandardCharsets.UTF_8));
	}

	static byte[] frame(byte[] message) {
		return ByteBuffer.allocate(4 + message.length).putInt(message.length).put(message).array();
	}

	static byte[] concat(byte[]... parts) {
		ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt((part) -> part.length).sum());
		for (byte[] part : parts) {
			all.put(part);
		}
		return all.array();
	}

	static byte[] toArray(ByteBuffer buffer) {
		byte[] bytes = new byte[buffer.position()];
		buffer.flip().get(bytes);
		return bytes;
	}

}
