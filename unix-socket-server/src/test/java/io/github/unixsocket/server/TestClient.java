package io.github.unixsocket.server;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A blocking test client over a real Unix domain socket. */
public final class TestClient implements AutoCloseable {

	private final SocketChannel channel;

	private TestClient(SocketChannel channel) {
		this.channel = channel;
	}

	public static TestClient connect(Path path) throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			channel.connect(UnixDomainSocketAddress.of(path));
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
		return new TestClient(channel);
	}

	public void write(String text) throws IOException {
		write(text.getBytes(StandardCharsets.UTF_8));
	}

	public void write(byte[] bytes) throws IOException {
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		while (buffer.hasRemaining()) {
			this.channel.write(buffer);
		}
	}

	/** Read exactly {@code length} bytes. */
	public byte[] readBytes(int length) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(length);
		while (buffer.hasRemaining()) {
			if (this.channel.read(buffer) < 0) {
				throw new EOFException("closed after " + buffer.position() + " of " + length + " bytes");
			}
		}
		return buffer.array();
	}

	public String read(int length) throws IOException {
		return new String(readBytes(length), StandardCharsets.UTF_8);
	}

	public String exchange(String text) throws IOException {
		write(text);
		return read(text.getBytes(StandardCharsets.UTF_8).length);
	}

	/**
	 * Wait until the server closes the connection.
	 * @return {@code true} if end-of-stream (or a reset) arrived within the timeout with no
	 * data before it
	 */
	public boolean awaitClosedByServer(Duration timeout) throws InterruptedException {
		CompletableFuture<Boolean> eof = new CompletableFuture<>();
		// A thread of its own: blocking socket reads must not occupy a shared pool.
		Thread reader = new Thread(() -> {
			try {
				eof.complete(this.channel.read(ByteBuffer.allocate(1)) < 0);
			}
			catch (IOException ex) {
				eof.complete(true);
			}
		});
		reader.setDaemon(true);
		reader.start();
		try {
			return eof.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			return false;
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public SocketChannel channel() {
		return this.channel;
	}

	@Override
	public void close() throws IOException {
		this.channel.close();
	}

}
