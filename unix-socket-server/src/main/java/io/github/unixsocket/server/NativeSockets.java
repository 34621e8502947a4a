package io.github.unixsocket.server;

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFSocket;
import org.newsclub.net.unix.AFSocketCapability;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * What needs junixsocket's native library: datagram sockets and Linux abstract-namespace
 * addresses ({@code "@name"}). Filesystem stream servers use the JDK and never load it.
 */
public final class NativeSockets {

	/** System property telling junixsocket where to extract its native library. */
	public static final String LIBRARY_TMPDIR_PROPERTY = "org.newsclub.net.unix.library.tmpdir";

	/** Prefix of an address in the Linux abstract namespace. */
	public static final String ABSTRACT_PREFIX = "@";

	/** Bytes of an abstract name: {@code sun_path} minus its leading NUL. */
	public static final int MAX_ABSTRACT_NAME_BYTES = 107;

	private NativeSockets() {
	}

	/**
	 * @param address a configured address
	 * @return whether it names the Linux abstract namespace ({@code "@name"})
	 */
	public static boolean isAbstract(@Nullable String address) {
		return address != null && address.startsWith(ABSTRACT_PREFIX);
	}

	/**
	 * Why junixsocket's native library is not available.
	 * @return the problem, or {@code null} if it loaded
	 */
	public static @Nullable String libraryProblem() {
		try {
			if (AFSocket.isSupported()) {
				return null;
			}
			AFSocket.ensureSupported();
			return "junixsocket's native library could not be loaded";
		}
		catch (UnsupportedOperationException ex) {
			return "junixsocket's native library could not be loaded (" + ex.getMessage()
					+ ((ex.getCause() != null) ? ": " + ex.getCause().getMessage() : "") + ")";
		}
		catch (LinkageError ex) {
			return "junixsocket's native library could not be loaded (" + ex + ")";
		}
	}

	/**
	 * Why datagram sockets cannot be used here.
	 * @return the problem, or {@code null} if they can
	 */
	public static @Nullable String datagramProblem() {
		return capabilityProblem(AFSocketCapability.CAPABILITY_UNIX_DATAGRAMS, "Unix datagram sockets");
	}

	/**
	 * Why the abstract namespace cannot be used here.
	 * @param name the abstract name, without the {@code @}
	 * @return the problem, or {@code null} if it can
	 */
	public static @Nullable String abstractNamespaceProblem(String name) {
		if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
			return "the abstract namespace exists only on Linux, this is " + System.getProperty("os.name");
		}
		if (name.isEmpty()) {
			return "the abstract name after '@' is empty";
		}
		int length = name.getBytes(StandardCharsets.UTF_8).length;
		if (length > MAX_ABSTRACT_NAME_BYTES) {
			return "the abstract name is " + length + " bytes long; the limit is " + MAX_ABSTRACT_NAME_BYTES + " bytes";
		}
		return capabilityProblem(AFSocketCapability.CAPABILITY_ABSTRACT_NAMESPACE, "abstract-namespace addresses");
	}

	private static @Nullable String capabilityProblem(AFSocketCapability capability, String what) {
		String problem = libraryProblem();
		if (problem != null) {
			return problem;
		}
		return AFSocket.supports(capability) ? null : "junixsocket does not support " + what + " on this platform";
	}

	static void require(@Nullable String problem) throws IOException {
		if (problem != null) {
			throw new IOException(problem + "; if the native library cannot be extracted, set -D"
					+ LIBRARY_TMPDIR_PROPERTY + " to a writable directory that allows executing files");
		}
	}

	/**
	 * Whether a socket of that type holds an abstract name (stream and datagram sockets
	 * have names of their own): after a failed bind, tells a taken name from other
	 * failures. Connects and closes at once, like the stale-socket probe of a socket file.
	 * @param name the abstract name, without the {@code @}
	 * @param type the type of socket to look for
	 * @return whether a socket of that type answers at that name
	 */
	public static boolean isAbstractNameInUse(String name, ServerType type) {
		try {
			AFUNIXSocketAddress address = abstractAddress(name);
			if (type == ServerType.DATAGRAM) {
				try (AFUNIXDatagramChannel datagram = AFUNIXDatagramChannel.open()) {
					datagram.connect(address);
					return true;
				}
			}
			try (AFUNIXSocketChannel stream = AFUNIXSocketChannel.open()) {
				// Non-blocking: a listener with a full backlog must not make us wait.
				stream.configureBlocking(false);
				stream.connect(address);
				return true;
			}
		}
		catch (IOException | RuntimeException | LinkageError ex) {
			// refused: nobody there
			return false;
		}
	}

	static AFUNIXSocketAddress abstractAddress(String name) throws SocketException {
		return AFUNIXSocketAddress.inAbstractNamespace(name);
	}

	/**
	 * @param address a junixsocket address, may be {@code null}
	 * @return a file path, {@code "@name"} for an abstract address, or {@code null}
	 */
	static @Nullable String describe(@Nullable AFUNIXSocketAddress address) {
		if (address == null) {
			return null;
		}
		if (address.isInAbstractNamespace()) {
			// junixsocket pads a received abstract name with NULs to the whole sun_path: shown without them.
			byte[] bytes = address.getPathAsBytes();
			int length = bytes.length;
			while (length > 1 && bytes[length - 1] == 0) {
				length--;
			}
			return ABSTRACT_PREFIX + new String(bytes, 1, length - 1, AFUNIXSocketAddress.addressCharset());
		}
		return address.getPath();
	}

}
