package io.github.unixsocket.command;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.server.FramedConnectionHandler;
import io.github.unixsocket.server.StreamServer;
import io.github.unixsocket.server.TestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random-input tests of the request parser and processor with a fixed budget:
 * inputs are mutations of valid requests (byte flips, insertions, deletions, splices,
 * truncations), so most get past the first character. Every input gets exactly one
 * well-formed reply (none for a blank line); over a real socket, every input ends in
 * replies and a clean close.
 */
@Timeout(120)
class CommandFuzzTests {

	private static final long SEED = 20261122L;

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
	void everyRandomStreamEndsInRepliesAndACleanClose() throws Exception {
		Path path = this.dir.resolve("fuzz.sock");
		StreamServer server = StreamServer.builder("fuzz", path)
			.handler(FramedConnectionHandler.lines(CommandFuzzing.PROCESSOR, 256))
			.build();
		server.start();
		try {
			Random random = new Random(SEED);
			for (int i = 0; i < 200; i++) {
				ByteBuffer stream = ByteBuffer.allocate(4096);
				int requests = 1 + random.nextInt(8);
				for (int r = 0; r < requests && stream.remaining() > 600; r++) {
					stream.put(mutate(random)).put((byte) '\n');
				}
				if (random.nextInt(4) == 0) {
					stream.put(new byte[Math.min(stream.remaining(), 300)]);
				}
				byte[] bytes = new byte[stream.position()];
				stream.flip().get(bytes);
				String replies = exchange(path, bytes);
				for (String reply : replies.split("\n")) {
					if (!reply.isEmpty()) {
						assertThat(reply).as("input #%d", i).startsWith("{").contains("\"status\":\"");
					}
				}
			}
			try (TestClient client = TestClient.connect(path)) {
				assertThat(client.exchange("ping\n")).hasSize(5);
			}
			assertThat(server.handlerErrors()).isZero();
		}
		finally {
			server.close();
		}
	}

	/** Send everything, half-close, read until the server closes. */
	private static String exchange(Path path, byte[] bytes) throws Exception {
		try (TestClient client = TestClient.connect(path)) {
			CompletableFuture<byte[]> replies = CompletableFuture.supplyAsync(() -> {
				try (InputStream in = Channels.newInputStream(client.channel())) {
					return in.readAllBytes();
				}
				catch (IOException ex) {
					return new byte[0];
				}
			});
			try {
				client.write(bytes);
				client.channel().shutdownOutput();
			}
			catch (IOException ex) {
				// closed early by the server (line too long): what matters is the clean close
			}
			return new String(replies.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8);
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
