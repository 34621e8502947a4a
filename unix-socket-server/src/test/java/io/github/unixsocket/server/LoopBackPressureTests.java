package io.github.unixsocket.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.github.unixsocket.server.FramedServerTests.awaitStable;
import static io.github.unixsocket.server.FramedServerTests.inThread;
import static io.github.unixsocket.server.StreamServerTests.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Back-pressure on the event loop: replies a client does not read, and messages a busy
 * worker has not taken yet, stop the loop from reading that client (above
 * {@link LoopConnection#HIGH_WATER_MARK}) until they drain (below
 * {@link LoopConnection#LOW_WATER_MARK}); nothing is lost or reordered meanwhile.
 */
@Timeout(60)
class LoopBackPressureTests {

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	/** One loop: every connection of these tests shares it. */
	private final EventLoopGroup loop = this.servers.loops("pressure", 1, Duration.ofSeconds(10));

	private StreamServer start(StreamServer.Builder builder) throws IOException {
		return this.servers.start(builder.eventLoops(this.loop));
	}

	@ParameterizedTest
	@EnumSource(StreamServer.Dispatch.class)
	@Tag(Slow.TAG)
	void clientThatNeverReadsIsNoLongerReadWhileOthersOnTheLoopAreServed(StreamServer.Dispatch dispatch)
			throws Exception {
		Path path = this.servers.path("echo.sock");
		StreamServer server = start(StreamServer.builder("echo", path)
			.messages(Framing.LINES, FramedServerTests.ECHO)
			.dispatch(dispatch));
		StringBuilder lines = new StringBuilder();
		for (int i = 0; lines.length() < 4 * 1024 * 1024; i++) {
			lines.append("request ").append(String.format("%09d", i)).append(" of a client that never reads ")
				.append("x".repeat(i % 200))
				.append('\n');
		}
		byte[] requests = lines.toString().getBytes(StandardCharsets.UTF_8);
		try (TestClient hog = TestClient.connect(path); TestClient other = TestClient.connect(path)) {
			CompletableFuture<Void> writing = inThread(() -> hog.write(requests));
			// The server stops reading it: what it has received stops growing, far short of what was sent.
			long received = awaitStable(server::bytesReceived, Duration.ofMillis(300));
			long unanswered = received - server.bytesSent();
			assertThat(writing).isNotDone();
			assertThat(received).isLessThan(requests.length / 4);
			// Unsent replies stay near the high water mark: at most one more read (64KB) of replies, and the
			// line in progress. With workers, messages waiting for one are held back by the same mark.
			long bound = LoopConnection.HIGH_WATER_MARK + EventLoop.BUFFER_SIZE + 1024
					+ ((dispatch == StreamServer.Dispatch.WORKERS) ? LoopConnection.HIGH_WATER_MARK : 0);
			assertThat(unanswered).as("bytes received and not yet sent back").isLessThanOrEqualTo(bound);
			// Meanwhile the loop serves the others.
			long others = 0;
			for (int i = 0; i < 20; i++) {
				String request = "other " + i + "\n";
				assertThat(other.exchange(request)).isEqualTo(request);
				others += request.length();
			}
			assertThat(server.bytesReceived()).isEqualTo(received + others);
			// Once it reads, everything arrives, in order, byte for byte.
			assertThat(hog.readBytes(requests.length)).isEqualTo(requests);
			writing.get(10, TimeUnit.SECONDS);
		}
		awaitCondition(() -> server.openConnections() == 0);
		assertThat(server.bytesSent()).isEqualTo(server.bytesReceived()).isEqualTo(requests.length + 170);
	}

	/**
	 * Messages a busy worker has not taken yet stop the loop from reading their client, though
	 * it reads every reply: above the high water mark of waiting bytes ({@link LoopHandOff}).
	 * The worker catching up resumes reading (it replies to one message in a thousand, so no
	 * reply waits unsent and the hand-off alone resumes it), and all of them are read, their
	 * replies in order.
	 */
	@Test
	void messagesWaitingForABusyWorkerStopReadingUntilItCatchesUp() throws Exception {
		HeldExecutor workers = new HeldExecutor();
		Path path = this.servers.path("held.sock");
		StreamServer server = start(StreamServer.builder("held", path)
			// "message <number> ...": the number, if a multiple of 1000
			.messages(Framing.LINES, (connection, message) -> {
				int number = Integer.parseInt(new String(message, 8, 7, StandardCharsets.US_ASCII));
				return (number % 1000 == 0) ? Arrays.copyOfRange(message, 8, 15) : null;
			})
			.dispatch(StreamServer.Dispatch.WORKERS)
			.workerExecutor(workers));
		StringBuilder lines = new StringBuilder();
		StringBuilder numbers = new StringBuilder();
		for (int i = 0; lines.length() < 2 * 1024 * 1024; i++) {
			String number = String.format("%07d", i);
			lines.append("message ").append(number).append(" for a held worker\n");
			if (i % 1000 == 0) {
				numbers.append(number).append('\n');
			}
		}
		byte[] requests = lines.toString().getBytes(StandardCharsets.UTF_8);
		byte[] expected = numbers.toString().getBytes(StandardCharsets.UTF_8);
		try (TestClient client = TestClient.connect(path)) {
			CompletableFuture<Void> writing = inThread(() -> client.write(requests));
			byte[][] replies = new byte[1][];
			CompletableFuture<Void> reading = inThread(() -> replies[0] = client.readBytes(expected.length));
			workers.awaitPending();
			long received = awaitStable(server::bytesReceived, Duration.ofMillis(300));
			// Paused once the waiting messages passed the mark, after the rest of that read at most.
			assertThat(received).isGreaterThan(LoopConnection.HIGH_WATER_MARK)
				.isLessThanOrEqualTo(LoopConnection.HIGH_WATER_MARK + EventLoop.BUFFER_SIZE);
			assertThat(server.bytesSent()).isZero();
			assertThat(writing).isNotDone();
			// Each hand-off the worker takes answers all that waits and lets the loop read on.
			workers.runUntil(reading::isDone, Duration.ofSeconds(30), "replies all read");
			reading.get();
			assertThat(replies[0]).isEqualTo(expected);
			writing.get(10, TimeUnit.SECONDS);
		}
		// The messages after the last one answered may still wait for a hand-off: run it, then
		// the end of input closes the connection.
		workers.runUntil(() -> server.openConnections() == 0, Duration.ofSeconds(10), "connection closed");
		assertThat(server.bytesReceived()).isEqualTo(requests.length);
		assertThat(server.bytesSent()).isEqualTo(expected.length);
	}

	/**
	 * A worker pushes the unsent replies over the high water mark (reading must pause) at the
	 * moment the loop, busy with another connection, already holds the news that the client
	 * has read everything (the replies drain below the low water mark, reading resumes). The
	 * loop must end up reading, whatever order it learns the two in.
	 */
	@Test
	void readingResumesWhenRepliesDrainWhileAPauseIsOnItsWayToTheLoop() throws Exception {
		HeldExecutor workers = new HeldExecutor();
		Path hogPath = this.servers.path("hog.sock");
		StreamServer server = start(StreamServer.builder("hog", hogPath)
			.messages(Framing.LINES, (connection, message) -> {
				// "<n>": a reply of n bytes (the newline included)
				return "r".repeat(Integer.parseInt(new String(message, StandardCharsets.UTF_8)) - 1)
					.getBytes(StandardCharsets.UTF_8);
			})
			.dispatch(StreamServer.Dispatch.WORKERS)
			.workerExecutor(workers)
			.sendBufferSize(256 * 1024));
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Path busyPath = this.servers.path("busy.sock");
		start(StreamServer.builder("busy", busyPath).messages(Framing.LINES, (connection, message) -> {
			entered.countDown();
			release.await(10, TimeUnit.SECONDS);
			return message;
		}).dispatch(StreamServer.Dispatch.EVENT_LOOP));
		try (TestClient hog = TestClient.connect(hogPath); TestClient busy = TestClient.connect(busyPath)) {
			// Replies the client does not read yet, until the kernel takes no more: some stay unsent,
			// less than the high water mark.
			long produced = 0;
			while (server.bytesSent() == produced) {
				hog.write("65536\n");
				workers.runNext();
				produced += 65536;
			}
			long kernel = server.bytesSent();
			long unsent = produced - kernel;
			assertThat(unsent).isPositive().isLessThan(LoopConnection.HIGH_WATER_MARK);
			// The next reply takes them just over the high water mark; the kernel holds enough for them to
			// drain below the low water mark in one go once the client has read.
			int next = (int) (LoopConnection.HIGH_WATER_MARK + 100 - unsent);
			OtherUser.require(kernel >= LoopConnection.HIGH_WATER_MARK + 100 - LoopConnection.LOW_WATER_MARK,
					"the socket buffers take only " + kernel + " bytes");
			hog.write(next + "\n");
			workers.awaitPending();
			// The loop is held up while: the busy connection's message arrives, then the client reads all
			// that was sent, so the loop learns of both in one select, in this order.
			CountDownLatch held = new CountDownLatch(1);
			CountDownLatch unhold = new CountDownLatch(1);
			this.loop.next().execute(() -> {
				held.countDown();
				await(unhold);
			});
			await(held);
			busy.write("block\n");
			hog.readBytes((int) kernel);
			unhold.countDown();
			// The busy handler holds the loop; the worker now goes over the high water mark: a pause is queued.
			await(entered);
			workers.runNext();
			release.countDown();
			assertThat(busy.read(6)).isEqualTo("block\n");
			// The client reads the rest and asks again: it must be read and answered.
			hog.readBytes((int) (unsent + next));
			hog.write("10\n");
			workers.awaitPending();
			workers.runNext();
			assertThat(hog.read(10)).isEqualTo("rrrrrrrrr\n");
		}
		finally {
			release.countDown();
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			if (!latch.await(10, TimeUnit.SECONDS)) {
				throw new AssertionError("not reached within 10s");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AssertionError(ex);
		}
	}

	/** Runs the handler hand-offs only when the test says so, on the test's thread. */
	static final class HeldExecutor implements Executor {

		private final BlockingQueue<Runnable> pending = new LinkedBlockingQueue<>();

		@Override
		public void execute(Runnable task) {
			this.pending.add(task);
		}

		void awaitPending() throws InterruptedException {
			awaitCondition(() -> !this.pending.isEmpty());
		}

		/** Run the hand-offs as they come until {@code done}, failing after {@code timeout}. */
		void runUntil(BooleanSupplier done, Duration timeout, String what) throws InterruptedException {
			long deadline = System.nanoTime() + timeout.toNanos();
			while (!done.getAsBoolean()) {
				assertThat(System.nanoTime() - deadline).as(what + " within " + timeout).isNegative();
				Runnable task = this.pending.poll(20, TimeUnit.MILLISECONDS);
				if (task != null) {
					task.run();
				}
			}
		}

		void runNext() throws InterruptedException {
			Runnable task = this.pending.poll(10, TimeUnit.SECONDS);
			if (task == null) {
				throw new AssertionError("no message was handed to a worker within 10s");
			}
			task.run();
		}

	}

}
