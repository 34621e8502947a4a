package io.github.unixsocket.benchmarks;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Holds many idle connections open and measures how long a fresh client takes to connect
 * and get a 64-byte echo while they are held. For a {@code lines} server every message is
 * a line: the 1-byte probe is {@code \n} (an empty line, echoed as one), the 64-byte one
 * 63 letters and {@code \n}.
 */
final class IdleProbe implements AutoCloseable {

	private final Path path;

	private final boolean lines;

	private final List<SocketChannel> idle = new ArrayList<>();

	IdleProbe(Path path, boolean lines) {
		this.path = path;
		this.lines = lines;
	}

	/** Open {@code count} connections and prove each is served (one byte echoed). */
	void open(int count) throws IOException {
		for (int i = 0; i < count; i++) {
			SocketChannel channel = connect();
			this.idle.add(channel);
		}
		ByteBuffer one = ByteBuffer.allocate(1);
		for (SocketChannel channel : this.idle) {
			one.clear().put((byte) (this.lines ? '\n' : 7)).flip();
			channel.write(one);
		}
		for (SocketChannel channel : this.idle) {
			one.clear();
			if (channel.read(one) != 1) {
				throw new IOException("an idle connection was not served");
			}
		}
	}

	int held() {
		return this.idle.size();
	}

	/** @return sorted round-trip times in microseconds of {@code samples} fresh clients */
	double[] freshClientMicros(int samples) throws IOException {
		double[] micros = new double[samples];
		ByteBuffer out = ByteBuffer.allocate(64);
		if (this.lines) {
			while (out.position() < 63) {
				out.put((byte) 'x');
			}
			out.put((byte) '\n');
		}
		ByteBuffer in = ByteBuffer.allocate(64);
		for (int i = 0; i < samples; i++) {
			long start = System.nanoTime();
			try (SocketChannel channel = connect()) {
				out.clear();
				channel.write(out);
				in.clear();
				while (in.hasRemaining()) {
					if (channel.read(in) < 0) {
						throw new IOException("fresh client was closed");
					}
				}
			}
			micros[i] = (System.nanoTime() - start) / 1e3;
		}
		Arrays.sort(micros);
		return micros;
	}

	private SocketChannel connect() throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		channel.connect(UnixDomainSocketAddress.of(this.path));
		return channel;
	}

	@Override
	public void close() throws IOException {
		for (SocketChannel channel : this.idle) {
			channel.close();
		}
	}

}
