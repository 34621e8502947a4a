package io.github.unixsocket.test.app;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import io.github.unixsocket.client.UnixSocketClient;
import io.github.unixsocket.test.UnixSocketTest;
import io.github.unixsocket.test.UnixSocketTestClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Two test classes run in parallel (JUnit's parallel execution), both with the same
 * configured socket paths: each context gets its own directory, both serve at the same
 * time, and each directory goes with its context.
 */
@Timeout(120)
class ParallelContextsTests {

	private static final Map<String, Path> directories = new ConcurrentHashMap<>();

	private static volatile boolean launched;

	private static volatile CyclicBarrier bothRunning = new CyclicBarrier(2);

	@Test
	void parallelTestContextsNeverShareASocket() {
		directories.clear();
		bothRunning = new CyclicBarrier(2);
		LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
			.selectors(selectClass(First.class), selectClass(Second.class))
			.configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
			.configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
			.configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
			.configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
			.configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
			.build();
		SummaryGeneratingListener listener = new SummaryGeneratingListener();
		launched = true;
		try {
			LauncherFactory.create().execute(request, listener);
		}
		finally {
			launched = false;
		}
		TestExecutionSummary summary = listener.getSummary();
		assertThat(summary.getFailures()).as("failures").extracting(TestExecutionSummary.Failure::getException)
			.isEmpty();
		assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
		assertThat(directories).containsOnlyKeys("first", "second");
		assertThat(directories.get("first")).isNotEqualTo(directories.get("second"));
		// @DirtiesContext closed both contexts: their directories are gone.
		assertThat(directories.values()).allSatisfy((directory) -> assertThat(directory).doesNotExist());
	}

	static boolean launched() {
		return launched;
	}

	static void serveWhileTheOtherDoes(String name, UnixSocketTestClients sockets) throws Exception {
		Path admin = sockets.path("admin");
		directories.put(name, admin.getParent());
		// Both contexts are up at once here: had they the same paths, the second could not have started.
		bothRunning.await(60, TimeUnit.SECONDS);
		try (UnixSocketClient client = sockets.withTimeout(Duration.ofSeconds(20)).commands("admin")) {
			assertThat(client.send("echo", Map.of("text", name)).payload(String.class)).isEqualTo(name);
		}
		assertThat(admin).exists();
		bothRunning.await(60, TimeUnit.SECONDS);
	}

	@UnixSocketTest(properties = "parallel.test=first")
	@DirtiesContext
	@EnabledIf("io.github.unixsocket.test.app.ParallelContextsTests#launched")
	static class First {

		@Autowired
		UnixSocketTestClients sockets;

		@Test
		void serves() throws Exception {
			serveWhileTheOtherDoes("first", this.sockets);
		}

	}

	@UnixSocketTest(properties = "parallel.test=second")
	@DirtiesContext
	@EnabledIf("io.github.unixsocket.test.app.ParallelContextsTests#launched")
	static class Second {

		@Autowired
		UnixSocketTestClients sockets;

		@Test
		void serves() throws Exception {
			serveWhileTheOtherDoes("second", this.sockets);
		}

	}

}
