package io.github.unixsocket.server;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.newsclub.net.unix.FileDescriptorAccess;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * The descriptor behind a server's socket channel, to pass to another process. junixsocket's
 * channels give theirs; the JDK's do not (only through {@code --add-opens}), so it is found
 * the way {@code ss} finds it: the socket's inode in {@code /proc/net/unix} by its bound
 * address (and listening flag, or datagram type), then the descriptor of this process
 * linking to that inode in {@code /proc/self/fd}. Linux only.
 */
final class SocketDescriptors {

	/** {@code __SO_ACCEPTCON} in the flags column: a listening stream socket. */
	private static final int LISTENING = 0x10000;

	private static final int SOCK_DGRAM = 2;

	private SocketDescriptors() {
	}

	/**
	 * Close this process's descriptor of a socket another process goes on serving. Closing
	 * a junixsocket channel shuts the socket down first, for every process holding it; so
	 * its descriptor is closed directly, which leaves the channel nothing to shut down.
	 * The JDK's channels only close. Cancel the channel's selection keys first.
	 * @param channel the channel
	 */
	static void closeDescriptorOnly(Channel channel) {
		if (channel instanceof FileDescriptorAccess junixsocket) {
			try {
				new FileInputStream(junixsocket.getFileDescriptor()).close();
			}
			catch (IOException ex) {
				// Closed already: the channel's own close below finds nothing to shut down either.
			}
		}
		ServerSupport.closeQuietly(channel);
	}

	/**
	 * @param channel the server's channel
	 * @param type stream (listening) or datagram
	 * @param boundAddress the address it was bound to, as the kernel reports it ({@code @name}
	 * for an abstract one)
	 * @return its descriptor, valid while the channel is open; never to be closed
	 * @throws IOException if it cannot be found
	 */
	static FileDescriptor of(Channel channel, ServerType type, String boundAddress) throws IOException {
		if (channel instanceof FileDescriptorAccess junixsocket) {
			return junixsocket.getFileDescriptor();
		}
		Set<String> inodes = inodes(Files.readAllLines(Path.of("/proc/net/unix")), type, boundAddress);
		try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
			for (Path fd : fds) {
				String target;
				try {
					target = Files.readSymbolicLink(fd).toString();
				}
				catch (IOException ex) {
					continue; // closed since the listing
				}
				if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
					return FileDescriptorCast.unsafeUsing(Integer.parseInt(fd.getFileName().toString()))
						.getFileDescriptor();
				}
			}
		}
		throw new IOException("no descriptor of this process is the " + EnumNames.of(type) + " socket bound to "
				+ LogValues.escape(boundAddress));
	}

	/** Lines: {@code Num RefCount Protocol Flags Type St Inode Path}, hexadecimal flags and type. */
	static Set<String> inodes(List<String> procNetUnix, ServerType type, String boundAddress) {
		Set<String> inodes = new HashSet<>();
		for (String line : procNetUnix.subList(Math.min(1, procNetUnix.size()), procNetUnix.size())) {
			String[] columns = line.trim().split("\\s+", 8);
			if (columns.length < 8 || !columns[7].equals(boundAddress)) {
				continue;
			}
			boolean match = (type == ServerType.STREAM) ? (Integer.parseInt(columns[3], 16) & LISTENING) != 0
					: Integer.parseInt(columns[4], 16) == SOCK_DGRAM;
			if (match) {
				inodes.add(columns[6]);
			}
		}
		return inodes;
	}

}
