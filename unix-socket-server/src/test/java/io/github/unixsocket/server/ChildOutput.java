package io.github.unixsocket.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A child process's output, kept whole (it is small) and searchable while the child runs. */
public final class ChildOutput {

	private final StringBuilder text = new StringBuilder();

	public ChildOutput(InputStream stream) {
		Thread reader = new Thread(() -> {
			byte[] buffer = new byte[8192];
			try {
				int n;
				while ((n = stream.read(buffer)) > 0) {
					synchronized (this.text) {
						this.text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
						this.text.notifyAll();
					}
				}
			}
			catch (IOException ex) {
				// the child is gone
			}
		}, "child-output");
		reader.setDaemon(true);
		reader.start();
	}

	public boolean await(String marker, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.text) {
			while (this.text.indexOf(marker) < 0) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return false;
				}
				TimeUnit.NANOSECONDS.timedWait(this.text, remaining);
			}
			return true;
		}
	}

	/** @return the last lines, enough to see what went wrong */
	public String tail() {
		synchronized (this.text) {
			return this.text.substring(Math.max(0, this.text.length() - 4000));
		}
	}

	@Override
	public String toString() {
		synchronized (this.text) {
			return this.text.toString();
		}
	}

}
