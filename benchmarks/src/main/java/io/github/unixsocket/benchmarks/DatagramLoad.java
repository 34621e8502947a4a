package io.github.unixsocket.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Sends datagrams as fast as the receiver takes them: blocking sends on AF_UNIX datagram
 * sockets wait while the receiver's queue is full, so what is sent is what was received.
 */
final class DatagramLoad {

	private final Path path;

	private final int senders;

	private final int messageBytes;

	DatagramLoad(Path path, int senders, int messageBytes) {
		this.path = path;
		this.senders = senders;
		this.messageBytes = messageBytes;
	}

	Result run(Duration warmup, Duration measure) throws Exception {
		AFUNIXSocketAddress target = AFUNIXSocketAddress.of(this.path);
		long start = System.nanoTime();
		long measureFrom = start + warmup.toNanos();
		long end = measureFrom + measure.toNanos();
		AtomicLong sent = new AtomicLong();
		AtomicLong errors = new AtomicLong();
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < this.senders; i++) {
			Thread thread = new Thread(() -> {
				ByteBuffer message = ByteBuffer.allocateDirect(this.messageBytes);
				long counted = 0;
				try (AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open()) {
					channel.connect(target);
					long now;
					while ((now = System.nanoTime()) < end) {
						message.clear();
						channel.write(message);
						if (now >= measureFrom) {
							counted++;
						}
					}
				}
				catch (IOException ex) {
					errors.incrementAndGet();
				}
				sent.addAndGet(counted);
			});
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		return new Result(this.senders, this.messageBytes, sent.get(), sent.get() / (measure.toNanos() / 1e9),
				errors.get());
	}

	record Result(int senders, int messageBytes, long datagrams, double perSecond, long errors) {

		String line() {
			return String.format(Locale.ROOT, "RESULT dgram senders=%d msg=%d datagrams=%d dps=%.0f errors=%d",
					this.senders, this.messageBytes, this.datagrams, this.perSecond, this.errors);
		}

	}

}
