package io.github.unixsocket.systemd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.github.unixsocket.server.InheritedSocket;
import io.github.unixsocket.server.LogValues;
import io.github.unixsocket.server.NativeSockets;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The sockets systemd passed to this process ({@code sd_listen_fds(3)}): when
 * {@code LISTEN_PID} is this process, descriptors 3 to 3 + {@code LISTEN_FDS} - 1, named
 * by {@code LISTEN_FDNAMES} (colon-separated, {@code FileDescriptorName=} in the unit).
 * Each is adopted through junixsocket (the JDK can adopt only descriptor 0), its type and
 * bound address read from the kernel. A descriptor that is missing or not a Unix socket is
 * skipped with a warning; none is ever closed.
 * <p>
 * The JVM closes every descriptor above 2 in the processes it starts, so the inherited
 * sockets never leak into them: the effect of close-on-exec, which Java cannot set. The
 * {@code LISTEN_*} variables cannot be unset from Java either: a child process started
 * with this environment sees them, but with its own pid, so it ignores them.
 */
public final class SocketActivation {

	private static final Log logger = LogFactory.getLog(SocketActivation.class);

	/** First inherited descriptor ({@code SD_LISTEN_FDS_START}). */
	static final int FIRST_FD = 3;

	/** Upper bound on {@code LISTEN_FDS}, against a garbled environment. */
	static final int MAX_FDS = 1024;

	private SocketActivation() {
	}

	/**
	 * @param environment the process environment, by variable name
	 * @param pid this process's id
	 * @return the inherited Unix sockets, empty when none were passed to this process
	 */
	public static List<InheritedSocket> fromEnvironment(Function<String, @Nullable String> environment, long pid) {
		return fromEnvironment(environment, pid, FIRST_FD);
	}

	/** With descriptors from {@code firstFd}, for tests: a JVM's own 3, 4, ... are files, not sockets. */
	static List<InheritedSocket> fromEnvironment(Function<String, @Nullable String> environment, long pid, int firstFd) {
		String listenPid = environment.apply("LISTEN_PID");
		String listenFds = environment.apply("LISTEN_FDS");
		if (listenPid == null || listenFds == null) {
			return List.of();
		}
		if (!listenPid.trim().equals(Long.toString(pid))) {
			logger.info("Ignoring LISTEN_FDS: LISTEN_PID " + LogValues.escape(listenPid) + " is another process (this is "
					+ pid + ")");
			return List.of();
		}
		int count;
		try {
			count = Integer.parseInt(listenFds.trim());
		}
		catch (NumberFormatException ex) {
			logger.warn("Ignoring LISTEN_FDS='" + LogValues.escape(listenFds) + "': not a number");
			return List.of();
		}
		if (count <= 0 || count > MAX_FDS) {
			if (count != 0) {
				logger.warn("Ignoring LISTEN_FDS=" + count + ": out of range");
			}
			return List.of();
		}
		String problem = NativeSockets.libraryProblem();
		if (problem != null) {
			logger.warn("Ignoring " + count + " socket(s) passed by systemd: adopting them needs junixsocket ("
					+ problem + ")");
			return List.of();
		}
		String names = environment.apply("LISTEN_FDNAMES");
		String[] fdNames = (names != null) ? names.split(":", -1) : new String[0];
		List<InheritedSocket> sockets = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			int fd = firstFd + i;
			String name = (i < fdNames.length && !fdNames[i].isEmpty()) ? fdNames[i] : null;
			try {
				sockets.add(InheritedSocket.adopt(fd, name));
			}
			catch (IOException | RuntimeException ex) {
				logger.warn("Ignoring descriptor " + fd + ((name != null) ? " ('" + LogValues.escape(name) + "')" : "")
						+ " passed by systemd: " + LogValues.escape(ex.getMessage()));
			}
		}
		return List.copyOf(sockets);
	}

}
