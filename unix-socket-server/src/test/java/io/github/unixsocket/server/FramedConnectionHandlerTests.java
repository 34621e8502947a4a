package io.github.unixsocket.server;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * The framed protocols on a thread per connection ({@link FramedConnectionHandler}, as
 * abstract-namespace servers and handlers given as a {@link ConnectionHandler} serve them):
 * every behaviour of {@link FramedServerTests}, and how its buffer grows.
 */
class FramedConnectionHandlerTests extends FramedServerTests {

	@Override
	StreamServer.Builder serve(StreamServer.Builder builder, Framing framing, MessageHandler handler,
			int maxMessageSize) {
		return builder.handler((framing == Framing.LINES) ? FramedConnectionHandler.lines(handler, maxMessageSize)
				: FramedConnectionHandler.lengthPrefixed(handler, maxMessageSize));
	}

	/** Its buffer's first 8KB are its own, outside the budget. */
	@Override
	long mostReservedForOneMessage(Framing framing, int maxMessageSize) {
		return Math.max(0, super.mostReservedForOneMessage(framing, maxMessageSize) - 8192);
	}

	@Test
	void bufferDoublesFromEightKilobytesAndOnlyTheGrowthCountsAgainstTheBudget() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		Path path = start(Framing.LINES, (connection, message) -> {
			release.await();
			return UPPER.handle(connection, message);
		}, 1024 * 1024, (builder) -> builder.bufferBudget(256 * 1024));
		StreamServer server = server();
		try (TestClient attacker = TestClient.connect(path); TestClient legit = TestClient.connect(path)) {
			attacker.write("x".repeat(200_000));
			// Its buffer doubled from 8KB to 256KB; all but the first 8KB is reserved.
			awaitCondition(() -> server.bufferBudget().used() == 256 * 1024 - 8192);
			// 20KB needs a 32KB buffer: 24KB more than the budget has left, so the attacker goes.
			String message = "y".repeat(20_000);
			legit.write(message + "\n");
			assertThat(attacker.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			// Still in the handler: the buffer holding the message is still reserved.
			awaitCondition(() -> server.bufferBudget().used() == 32 * 1024 - 8192);
			release.countDown();
			assertThat(legit.read(20_001)).isEqualTo(message.toUpperCase(Locale.ROOT) + "\n");
			// Back to 8KB once the large message is done.
			awaitCondition(() -> server.bufferBudget().used() == 0);
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void theGrownBufferIsGivenBackWhenWhatIsLeftFitsHalfTheFirstEightKilobytes() throws Exception {
		String large = "x".repeat(20_000);
		Path path = start(Framing.LINES, UPPER, 64 * 1024);
		StreamServer server = server();
		try (TestClient client = TestClient.connect(path)) {
			// 4096 bytes of the next line are left: half of 8KB, so the buffer shrinks to 8KB.
			client.write(large + "\n" + "y".repeat(4096));
			assertThat(client.read(20_001)).isEqualTo(large.toUpperCase(Locale.ROOT) + "\n");
			awaitCondition(() -> server.bufferBudget().used() == 0);
			client.write("\n");
			assertThat(client.read(4097)).isEqualTo("Y".repeat(4096) + "\n");
		}
	}

	@Test
	void frameClaimingTwoGigabytesIsRejectedWithoutAllocatingIt() throws Exception {
		AtomicLong allocated = new AtomicLong(-1);
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
			.getThreadMXBean();
		FramedConnectionHandler framed = FramedConnectionHandler.lengthPrefixed(UPPER, 1024 * 1024);
		Path path = this.servers.path("claims.sock");
		StreamServer server = StreamServer.builder("claims", path).handler((connection) -> {
			long before = threads.getCurrentThreadAllocatedBytes();
			try {
				framed.handle(connection);
			}
			finally {
				allocated.set(threads.getCurrentThreadAllocatedBytes() - before);
			}
		}).build();
		this.servers.start(server);
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
	void limitMustBePositiveAndFitAnArray() {
		assertThatIllegalArgumentException().isThrownBy(() -> FramedConnectionHandler.lines(UPPER, 0));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> FramedConnectionHandler.lengthPrefixed(UPPER, Integer.MAX_VALUE));
		assertThat(FramedConnectionHandler.lines(UPPER).maxMessageSize())
			.isEqualTo(FramedConnectionHandler.DEFAULT_MAX_MESSAGE_SIZE);
	}

}
