package io.github.unixsocket.handover;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import org.jspecify.annotations.Nullable;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The control socket's lines, one message each:
 * <pre>
 * new → old   HANDOVER 1
 * old → new   SOCKETS name=address...   the sockets attached (SCM_RIGHTS), in that order;
 *                                        addresses URL-encoded
 * new → old   READY name...      the ones it serves now, once its application is ready
 * old → new   DONE               the control socket is free for the new instance to bind
 * </pre>
 * Names are server names, printable ASCII without spaces; other servers are not handed
 * over.
 */
final class HandoverProtocol {

	static final String HELLO = "HANDOVER 1";

	static final String SOCKETS = "SOCKETS";

	static final String READY = "READY";

	static final String DONE = "DONE";

	/** Descriptors one handover passes at most, against a garbled or hostile peer. */
	static final int MAX_SOCKETS = 64;

	/** Longest line read: 64 names of up to 100 characters. */
	static final int MAX_LINE = 8192;

	private HandoverProtocol() {
	}

	static boolean validName(String name) {
		return !name.isEmpty() && name.length() <= 100 && name.chars().allMatch((c) -> c > ' ' && c < 127);
	}

	static void write(OutputStream out, String line) throws IOException {
		out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
		out.flush();
	}

	/**
	 * @return the line without its newline, {@code null} at end of stream
	 * @throws IOException if the line is longer than {@link #MAX_LINE}
	 */
	static @Nullable String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int b;
		while ((b = in.read()) != '\n') {
			if (b < 0) {
				return null;
			}
			if (line.size() >= MAX_LINE) {
				throw new IOException("control socket line longer than " + MAX_LINE + " bytes");
			}
			line.write(b);
		}
		return line.toString(StandardCharsets.US_ASCII);
	}

	/** @return the {@code SOCKETS} line for these sockets */
	static String sockets(Collection<HandoverListener.Socket> sockets) {
		StringBuilder line = new StringBuilder(SOCKETS);
		for (HandoverListener.Socket socket : sockets) {
			line.append(' ').append(socket.name()).append('=').append(URLEncoder.encode(socket.address(), UTF_8));
		}
		return line.toString();
	}

	/**
	 * @param entry one {@code name=address} of a {@code SOCKETS} line
	 * @return the name and the decoded address, {@code null} if it is not one
	 */
	static String @Nullable [] socket(String entry) {
		int equals = entry.indexOf('=');
		if (equals <= 0) {
			return null;
		}
		try {
			return new String[] { entry.substring(0, equals), URLDecoder.decode(entry.substring(equals + 1), UTF_8) };
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/** @return the words after {@code keyword}, {@code null} if the line is not that message */
	static @Nullable List<String> names(@Nullable String line, String keyword) {
		if (line == null || !(line.equals(keyword) || line.startsWith(keyword + " "))) {
			return null;
		}
		String rest = line.substring(keyword.length()).trim();
		return rest.isEmpty() ? List.of() : Arrays.asList(rest.split(" +"));
	}

}
