package io.github.unixsocket.server;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The framed protocols on event loops: every behaviour of {@link FramedServerTests}, and the loop's own. */
abstract class FramedOnLoopTests extends FramedServerTests {

	private final String loopName;

	/** The loops of this test's servers: their own, so their threads can be told apart. */
	private final EventLoopGroup loops;

	private final StreamServer.Dispatch dispatch;

	FramedOnLoopTests(String loopName, int loops, StreamServer.Dispatch dispatch) {
		this.loopName = loopName;
		this.loops = this.servers.loops(loopName, loops, Duration.ofSeconds(2));
		this.dispatch = dispatch;
	}

	EventLoopGroup group() {
		return this.loops;
	}

	StreamServer.Dispatch dispatch() {
		return this.dispatch;
	}

	@Override
	StreamServer.Builder serve(StreamServer.Builder builder, Framing framing, MessageHandler handler,
			int maxMessageSize) {
		return builder.messages(framing, handler)
			.maxMessageSize(maxMessageSize)
			.dispatch(dispatch())
			.eventLoops(group());
	}

	@Test
	void frameClaimingTwoGigabytesIsRejectedWithoutAllocatingIt() throws Exception {
		Path path = start(Framing.LENGTH_PREFIXED, UPPER, 1024 * 1024);
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
			.getThreadMXBean();
		long[] loops = Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().matches(this.loopName + "-\\d+"))
			.mapToLong(Thread::getId)
			.toArray();
		assertThat(loops).hasSize(group().threads());
		for (int claimed : new int[] { Integer.MAX_VALUE, 0x80000000, 1024 * 1024 + 1 }) {
			long before = sum(threads.getThreadAllocatedBytes(loops));
			try (TestClient client = TestClient.connect(path)) {
				client.write(ByteBuffer.allocate(4).putInt(claimed).array());
				assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
			}
			awaitCondition(() -> server().openConnections() == 0);
			assertThat(sum(threads.getThreadAllocatedBytes(loops)) - before)
				.as("bytes the loops allocated for a frame claiming %d", claimed)
				.isLessThan(256 * 1024);
		}
		try (TestClient client = TestClient.connect(path)) {
			client.write(frame("alive"));
			assertThat(client.readBytes(9)).isEqualTo(frame("ALIVE"));
		}
	}

	@Test
	void maxMessageSizeMustBePositiveAndFitAnArray() {
		StreamServer.Builder builder = StreamServer.builder("limits", this.servers.path("limits.sock"));
		assertThatIllegalArgumentException().isThrownBy(() -> builder.maxMessageSize(0));
		assertThatIllegalArgumentException().isThrownBy(() -> builder.maxMessageSize(Integer.MAX_VALUE));
		StreamServer server = serve(builder, Framing.LINES, UPPER, FramedConnectionHandler.MAX_LIMIT).build();
		assertThat(server.dispatch()).isEqualTo(dispatch());
	}

	private static long sum(long[] values) {
		long sum = 0;
		for (long value : values) {
			sum += value;
		}
		return sum;
	}

}
