package io.github.unixsocket.command;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import io.github.unixsocket.server.FramedConnectionHandler;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.TestClient;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random-input tests of the request parser and processor with a fixed budget:
 * inputs are mutations of valid requests (byte flips, insertions, deletions, splices,
 * truncations), so most get past the first character. Every input gets exactly one
 * well-formed reply (none for a blank line); over a real socket, every request of a
 * random stream gets exactly the reply the processor gives it in process, in order, and
 * the stream ends in a clean close (never a reset).
 */
@Timeout(120)
class CommandFuzzTests {

	private static final long SEED = 20261122L;

	/** Largest request line over the socket. */
	private static final int LIMIT = 256;

	private static final byte[] INTERESTING = "{}[]\":,= \\\"\n\r\t0-1e9nulltrue\u00e9\u0000\u00ff".getBytes(
			StandardCharsets.ISO_8859_1);

	@TempDir
	Path dir;

	@Test
	void everyMutatedRequestGetsOneWellFormedReply() {
		Random random = new Random(SEED);
		for (int i = 0; i < 50_000; i++) {
			byte[] input = mutate(random);
			try {
				CommandFuzzing.check(input);
			}
			catch (AssertionError | RuntimeException ex) {
				throw new AssertionError("input #" + i + ": " + new String(input, StandardCharsets.ISO_8859_1), ex);
			}
		}
	}

	@Test
	void everyRandomStreamGetsOneReplyPerRequestInOrderAndACleanClose() throws Exception {
		Path path = this.dir.resolve("fuzz.sock");
		StreamServer server = StreamServer.builder("fuzz", path)
			.handler(FramedConnectionHandler.lines(CommandFuzzing.PROCESSOR, LIMIT))
			.build();
		server.start();
		try {
			Random random = new Random(SEED);
			int tooLarge = 0;
			for (int i = 0; i < 200; i++) {
				ByteArrayOutputStream stream = new ByteArrayOutputStream();
				// What the server must answer, worked out in process: one reply per non-blank request, in order.
				List<String> expected = new ArrayList<>();
				int requests = 1 + random.nextInt(8);
				for (int r = 0; r < requests; r++) {
					byte[] request = request(random);
					stream.write(request);
					stream.write('\n');
					expected.addAll(replyTo(request));
				}
				switch (random.nextInt(4)) {
					case 0 -> {
						// A last request without its newline: still a request at the end of the stream.
						byte[] request = request(random);
						stream.write(request);
						expected.addAll(replyTo(request));
					}
					case 1 -> {
						// A last line one byte over the limit: refused with a reply, then the server closes. Exactly
						// one byte over, so the server has read everything when it closes: bytes left unread
						// would make the kernel reset the connection, which here is a failure.
						byte[] line = new byte[LIMIT + 1];
						random.nextBytes(line);
						for (int b = 0; b < line.length; b++) {
							line[b] = (line[b] == '\n') ? 0 : line[b];
						}
						stream.write(line);
						expected.add(new String(CommandFuzzing.PROCESSOR.messageTooLarge(null, LIMIT),
								StandardCharsets.UTF_8));
						tooLarge++;
					}
					default -> {
					}
				}
				byte[] bytes = stream.toByteArray();
				assertThat(exchange(path, bytes)).as("input #%d: %s", i, new String(bytes, StandardCharsets.ISO_8859_1))
					.containsExactlyElementsOf(expected);
			}
			assertThat(tooLarge).as("streams ending in a line over the limit").isPositive();
			assertThat(exchange(path, "ping\n".getBytes(StandardCharsets.UTF_8)))
				.containsExactlyElementsOf(replyTo("ping".getBytes(StandardCharsets.UTF_8)))
				.singleElement(InstanceOfAssertFactories.STRING)
				.contains("\"status\":\"ok\"");
			assertThat(server.handlerErrors()).isZero();
			assertThat(server.acceptedConnections()).isEqualTo(201);
		}
		finally {
			server.close();
		}
	}

	/** A mutated request within the limit. */
	private static byte[] request(Random random) {
		byte[] request;
		do {
			request = mutate(random);
		}
		while (request.length > LIMIT);
		return request;
	}

	/** The reply lines a request gets, from the processor itself: none for a blank line. */
	private static List<String> replyTo(byte[] request) {
		int length = request.length;
		// The framing drops a \r before the newline.
		if (length > 0 && request[length - 1] == '\r') {
			length--;
		}
		byte[] reply = CommandFuzzing.PROCESSOR.handle(null, Arrays.copyOf(request, length));
		return (reply != null) ? List.of(new String(reply, StandardCharsets.UTF_8)) : List.of();
	}

	/**
	 * Send everything, half-close, read until the server closes.
	 * @return the reply lines
	 * @throws IOException if the connection was reset rather than closed: a failure
	 */
	private static List<String> exchange(Path path, byte[] bytes) throws IOException {
		try (TestClient client = TestClient.connect(path)) {
			// At most a few KB each way: both fit in the socket buffers, so writing first cannot block.
			client.write(bytes);
			client.channel().shutdownOutput();
			String replies = new String(Channels.newInputStream(client.channel()).readAllBytes(), StandardCharsets.UTF_8);
			if (replies.isEmpty()) {
				return List.of();
			}
			assertThat(replies).as("the last reply ends with its newline").endsWith("\n");
			return List.of(replies.substring(0, replies.length() - 1).split("\n", -1));
		}
	}

	private static byte[] mutate(Random random) {
		byte[] input = CommandFuzzing.SEEDS.get(random.nextInt(CommandFuzzing.SEEDS.size()))
			.getBytes(StandardCharsets.UTF_8);
		int mutations = random.nextInt(4);
		for (int m = 0; m < mutations; m++) {
			input = mutateOnce(random, input);
		}
		// The framing never hands over a newline.
		for (int i = 0; i < input.length; i++) {
			if (input[i] == '\n') {
				input[i] = ' ';
			}
		}
		return input;
	}

	private static byte[] mutateOnce(Random random, byte[] input) {
		int at = (input.length == 0) ? 0 : random.nextInt(input.length);
		switch (random.nextInt(5)) {
			case 0 -> {
				if (input.length > 0) {
					input[at] = (byte) random.nextInt(256);
				}
				return input;
			}
			case 1 -> {
				byte[] longer = new byte[input.length + 1];
				System.arraycopy(input, 0, longer, 0, at);
				longer[at] = INTERESTING[random.nextInt(INTERESTING.length)];
				System.arraycopy(input, at, longer, at + 1, input.length - at);
				return longer;
			}
			case 2 -> {
				if (input.length == 0) {
					return input;
				}
				byte[] shorter = new byte[input.length - 1];
				System.arraycopy(input, 0, shorter, 0, at);
				System.arraycopy(input, at + 1, shorter, at, input.length - at - 1);
				return shorter;
			}
			case 3 -> {
				byte[] other = CommandFuzzing.SEEDS.get(random.nextInt(CommandFuzzing.SEEDS.size()))
					.getBytes(StandardCharsets.UTF_8);
				int from = (other.length == 0) ? 0 : random.nextInt(other.length);
				byte[] spliced = new byte[at + other.length - from];
				System.arraycopy(input, 0, spliced, 0, at);
				System.arraycopy(other, from, spliced, at, other.length - from);
				return spliced;
			}
			default -> {
				return Arrays.copyOf(input, at);
			}
		}
	}

}
