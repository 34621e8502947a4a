package io.github.unixsocket.benchmarks;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;

/**
 * Baseline: the plainest JDK echo server, a blocking {@link SocketChannel} per thread.
 * What the starter adds on top of this is the framework's overhead.
 */
public final class NioEchoServer {

	private NioEchoServer() {
	}

	public static void run(Path path, boolean virtual) throws IOException {
		Files.deleteIfExists(path);
		ThreadFactory threads = Threads.factory(virtual);
		try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			server.bind(UnixDomainSocketAddress.of(path), 4096);
			Runtime.getRuntime().addShutdownHook(new Thread(() -> path.toFile().delete()));
			System.out.println("READY nio " + path);
			while (true) {
				SocketChannel channel = server.accept();
				threads.newThread(() -> echo(channel)).start();
			}
		}
	}

	private static void echo(SocketChannel channel) {
		ByteBuffer buffer = ByteBuffer.allocateDirect(1024);
		try (channel) {
			while (channel.read(buffer) >= 0) {
				buffer.flip();
				while (buffer.hasRemaining()) {
					channel.write(buffer);
				}
				buffer.clear();
			}
		}
		catch (IOException ex) {
			// client went away
		}
	}

}
