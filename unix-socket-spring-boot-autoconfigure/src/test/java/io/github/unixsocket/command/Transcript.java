package io.github.unixsocket.command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A golden request/reply transcript: {@code > request} lines are sent on one connection,
 * each {@code < reply} line is the next expected reply ({@code <number>} matches any
 * integer). A {@code >} request without a {@code <} reply (a blank line) must get none:
 * the next reply belongs to the next request.
 */
final class Transcript {

	private final List<String[]> exchanges = new ArrayList<>();

	private Transcript() {
	}

	static Transcript load(String resource) throws IOException {
		Transcript transcript = new Transcript();
		try (InputStream in = Transcript.class.getResourceAsStream(resource)) {
			assertThat(in).as(resource).isNotNull();
			String request = null;
			for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
				if (line.startsWith(">")) {
					if (request != null) {
						transcript.exchanges.add(new String[] { request, null });
					}
					request = line.substring(1).stripLeading();
				}
				else if (line.startsWith("<")) {
					transcript.exchanges.add(new String[] { request, line.substring(1).stripLeading() });
					request = null;
				}
			}
			assertThat(request).as("a transcript ends with a reply").isNull();
		}
		return transcript;
	}

	int size() {
		return this.exchanges.size();
	}

	/** Play the transcript over one connection. */
	void play(Path socket) throws IOException {
		try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			channel.connect(UnixDomainSocketAddress.of(socket));
			BufferedReader replies = new BufferedReader(
					new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
			for (String[] exchange : this.exchanges) {
				ByteBuffer request = StandardCharsets.UTF_8.encode(exchange[0] + "\n");
				while (request.hasRemaining()) {
					channel.write(request);
				}
				if (exchange[1] != null) {
					String reply = replies.readLine();
					assertThat(reply).as("reply to %s", exchange[0]).matches(pattern(exchange[1]));
				}
			}
		}
	}

	private static Pattern pattern(String expected) {
		return Pattern.compile(Pattern.quote(expected).replace("<number>", "\\E-?\\d+\\Q"));
	}

}
