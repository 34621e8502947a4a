package io.github.unixsocket.benchmarks;

import java.util.concurrent.ThreadFactory;

/** Thread factories for the baselines; virtual threads through reflection (compiled for Java 17). */
final class Threads {

	private Threads() {
	}

	static ThreadFactory factory(boolean virtual) {
		if (!virtual) {
			return (task) -> {
				Thread thread = new Thread(task);
				thread.setDaemon(true);
				return thread;
			};
		}
		try {
			Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
			return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Virtual threads need Java 21+", ex);
		}
	}

}
