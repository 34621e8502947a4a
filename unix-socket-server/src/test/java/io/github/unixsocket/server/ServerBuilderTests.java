package io.github.unixsocket.server;

import java.nio.file.Path;
import java.time.Duration;

import io.github.unixsocket.server.file.FilePermissions;
import io.github.unixsocket.server.file.SocketFileOptions;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The builders own the defaults and the ranges of every setting: the auto-configuration
 * leaves unset properties to them and turns their {@link IllegalArgumentException} into
 * a failure naming the property. No Spring here.
 */
class ServerBuilderTests {

	private static final Path PATH = Path.of("never-bound.sock");

	private static final Duration NEGATIVE = Duration.ofSeconds(-1);

	@Test
	void streamDefaultsAreTheDocumentedOnes() {
		StreamServer server = stream().handler((connection) -> {
		}).build();
		assertThat(server.idleTimeout()).isZero();
		assertThat(server.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(server.maxConnections()).isEqualTo(1000);
		assertThat(server.messageTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(server.bufferBudget().capacity()).isEqualTo(32L * 1024 * 1024);
		assertThat(server.permissions()).isEqualTo(FilePermissions.parse("0600"));
		assertThat(StreamServer.DEFAULT_IDLE_TIMEOUT).isZero();
		assertThat(AbstractUnixSocketServer.DEFAULT_SHUTDOWN_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
		assertThat(StreamServer.DEFAULT_WORKERS).isEqualTo(8);
		assertThat(FramedConnectionHandler.DEFAULT_MAX_MESSAGE_SIZE).isEqualTo(1024 * 1024);
		assertThat(SocketFileOptions.DEFAULT_DIRECTORY_PERMISSIONS).isEqualTo(FilePermissions.parse("0750"));
	}

	@Test
	void datagramDefaultsAreTheDocumentedOnes() {
		DatagramServer server = datagram().handler((datagram) -> {
		}).build();
		assertThat(server.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(server.dispatch()).isEqualTo(DatagramServer.Dispatch.RECEIVER);
		assertThat(server.workers()).isEqualTo(2);
		assertThat(server.queueCapacity()).isEqualTo(1024);
		assertThat(server.maxMessageSize()).isEqualTo(64 * 1024);
	}

	@Test
	void durationsMustNotBeNegative() {
		assertRejected(() -> stream().idleTimeout(NEGATIVE), "idleTimeout must not be negative");
		assertRejected(() -> stream().messageTimeout(NEGATIVE), "messageTimeout must not be negative");
		assertRejected(() -> stream().shutdownTimeout(NEGATIVE), "shutdownTimeout must not be negative");
		assertRejected(() -> datagram().shutdownTimeout(NEGATIVE), "shutdownTimeout must not be negative");
		assertThatNoException().isThrownBy(() -> stream().idleTimeout(Duration.ZERO)
			.messageTimeout(Duration.ZERO)
			.shutdownTimeout(Duration.ZERO));
	}

	@Test
	void streamLimitsHaveTheirRanges() {
		assertRejected(() -> stream().maxConnections(-1), "maxConnections must not be negative");
		assertRejected(() -> stream().bufferBudget(0), "bufferBudget must be positive");
		assertRejected(() -> stream().workers(0), "workers must be at least 1");
		assertRejected(() -> stream().maxMessageSize(0),
				"maxMessageSize must be between 1 and " + FramedConnectionHandler.MAX_LIMIT);
		assertRejected(() -> stream().maxMessageSize(FramedConnectionHandler.MAX_LIMIT + 1),
				"maxMessageSize must be between 1 and " + FramedConnectionHandler.MAX_LIMIT);
		assertThatNoException().isThrownBy(() -> stream().maxConnections(0)
			.bufferBudget(1)
			.workers(1)
			.maxMessageSize(1)
			.maxMessageSize(FramedConnectionHandler.MAX_LIMIT));
	}

	@Test
	void bufferSizesArePositiveOrTheKernelsDefault() {
		String range = " must be between 1 and " + Integer.MAX_VALUE + " bytes";
		assertRejected(() -> stream().receiveBufferSize(0), "receiveBufferSize" + range);
		assertRejected(() -> stream().sendBufferSize(-1), "sendBufferSize" + range);
		assertRejected(() -> datagram().receiveBufferSize(0), "receiveBufferSize" + range);
		assertThatNoException().isThrownBy(() -> stream().receiveBufferSize(null)
			.sendBufferSize(null)
			.receiveBufferSize(1)
			.sendBufferSize(Integer.MAX_VALUE));
	}

	@Test
	void datagramLimitsHaveTheirRanges() {
		assertRejected(() -> datagram().workers(0), "workers must be positive");
		assertRejected(() -> datagram().queueCapacity(0), "queueCapacity must be positive");
		assertRejected(() -> datagram().maxMessageSize(0), "maxMessageSize must be between 1 and ");
		assertRejected(() -> datagram().maxMessageSize(Integer.MAX_VALUE), "maxMessageSize must be between 1 and ");
		assertThatNoException()
			.isThrownBy(() -> datagram().workers(1).queueCapacity(1).maxMessageSize(Integer.MAX_VALUE - 1));
	}

	private static void assertRejected(Runnable setting, String message) {
		assertThatIllegalArgumentException().isThrownBy(setting::run).withMessageStartingWith(message);
	}

	private static StreamServer.Builder stream() {
		return StreamServer.builder("test", PATH);
	}

	private static DatagramServer.Builder datagram() {
		return DatagramServer.builder("test", PATH);
	}

}
