package io.github.unixsocket.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * What a datagram handler may keep: with dispatch {@code receiver} one datagram and one
 * buffer serve every datagram (nothing is allocated per datagram), so a kept
 * {@link Datagram} fails loudly instead of showing the next one's bytes; its copies stay
 * intact. With dispatch {@code workers} each datagram is a copy of its own. (What
 * receiving allocates is measured in the benchmarks module: see RESULTS.md.)
 */
@Timeout(60)
class DatagramReuseTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@RegisterExtension
	final ServerFixture servers = new ServerFixture();

	private DatagramServer server;

	@Test
	void onTheReceiverAKeptDatagramFailsAfterItsHandlerReturnsAndItsCopiesStayIntact() throws Exception {
		List<Datagram> kept = new CopyOnWriteArrayList<>();
		List<String> copies = new CopyOnWriteArrayList<>();
		Path path = start(DatagramServer.builder("events", this.servers.path("events.sock")).handler((datagram) -> {
			kept.add(datagram);
			copies.add(datagram.text() + " from " + datagram.sender());
		}));
		try (AFUNIXDatagramChannel client = boundClient("client.sock")) {
			send(client, path, "first");
			send(client, path, "second");
			await().atMost(WAIT).until(() -> copies.size() == 2);
		}
		Path client = this.servers.path("client.sock");
		assertThat(copies).containsExactly("first from " + client, "second from " + client);
		assertThat(kept.get(0)).as("one datagram, reused").isSameAs(kept.get(1));
		Datagram stale = kept.get(0);
		assertThatIllegalStateException().isThrownBy(stale::payload).withMessageContaining("datagram.bytes()");
		assertThatIllegalStateException().isThrownBy(stale::text);
		assertThatIllegalStateException().isThrownBy(stale::sender);
		assertThatIllegalStateException().isThrownBy(() -> stale.reply("late"));
		assertThat(stale).hasToString("datagram on 'events' (handled)");
	}

	@Test
	void onWorkersEachDatagramIsACopyThatStaysValid() throws Exception {
		List<Datagram> kept = new CopyOnWriteArrayList<>();
		Path path = start(DatagramServer.builder("events", this.servers.path("events.sock"))
			.dispatch(DatagramServer.Dispatch.WORKERS)
			.workers(1)
			.handler(kept::add));
		try (AFUNIXDatagramChannel client = boundClient("client.sock")) {
			send(client, path, "first");
			send(client, path, "second");
			await().atMost(WAIT).until(() -> this.server.datagramsHandled() == 2);
		}
		assertThat(kept).extracting(Datagram::text).containsExactly("first", "second");
		assertThat(kept.get(0).payload()).isEqualTo(ByteBuffer.wrap("first".getBytes(StandardCharsets.UTF_8)));
	}

	@Test
	void payloadIsAReadOnlyViewOfExactlyThisDatagramFromPositionZero() throws Exception {
		List<String> seen = new CopyOnWriteArrayList<>();
		Path path = start(DatagramServer.builder("events", this.servers.path("events.sock")).handler((datagram) -> {
			ByteBuffer payload = datagram.payload();
			// Reading one view moves neither the next view nor size().
			payload.get();
			seen.add(payload.isReadOnly() + " " + datagram.payload().position() + " " + datagram.size() + " "
					+ datagram.text());
		}));
		try (AFUNIXDatagramChannel client = boundClient(null)) {
			send(client, path, "a longer one");
			send(client, path, "short");
			await().atMost(WAIT).until(() -> seen.size() == 2);
		}
		assertThat(seen).containsExactly("true 0 12 a longer one", "true 0 5 short");
	}

	private Path start(DatagramServer.Builder builder) throws Exception {
		this.server = this.servers.start(builder);
		return this.servers.path("events.sock");
	}

	private AFUNIXDatagramChannel boundClient(String name) throws Exception {
		AFUNIXDatagramChannel client = AFUNIXDatagramChannel.open();
		if (name != null) {
			client.bind(AFUNIXSocketAddress.of(this.servers.path(name)));
		}
		return client;
	}

	private static void send(AFUNIXDatagramChannel client, Path path, String text) throws Exception {
		client.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), AFUNIXSocketAddress.of(path));
	}

}
