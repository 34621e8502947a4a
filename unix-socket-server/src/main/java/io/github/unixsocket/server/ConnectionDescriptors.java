package io.github.unixsocket.server;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * The file descriptors passed over one connection ({@code SCM_RIGHTS}), on a server that
 * allows them ({@code maxFileDescriptors} above 0: junixsocket's channels, the JDK's cannot).
 * junixsocket closes the descriptors it received when the socket closes, so one the handler
 * takes is a duplicate, and the received ones are closed as soon as they are taken or known
 * unclaimed. A descriptor to send is duplicated at once (the caller may close its own) and
 * closed once written. At most {@code max} are taken per message (or read, on a raw
 * connection); the kernel drops what does not fit the receive buffer, and the rest are
 * closed here.
 * <p>
 * Thread-safe: the loop reads while a worker handles a message.
 */
final class ConnectionDescriptors {

	private static final FileDescriptor[] NONE = new FileDescriptor[0];

	private final AFUNIXSocketChannel channel;

	private final int max;

	// Guarded by this.

	/** Received and not yet tied to a message. */
	private final List<FileDescriptor> arrived = new ArrayList<>();

	/** Received with a framed message not yet handled, by the message's identity. */
	private final Map<byte[], List<FileDescriptor>> byMessage = new IdentityHashMap<>();

	/** Those of the message being handled (or of the last read, on a raw connection). */
	private List<FileDescriptor> current = new ArrayList<>();

	/** Duplicates handed to junixsocket for the next write, closed once written. */
	private final List<FileDescriptor> attached = new ArrayList<>();

	/** Duplicates a handler sent, to attach once its message is handled. */
	private final List<FileDescriptor> outgoing = new ArrayList<>();

	ConnectionDescriptors(AFUNIXSocketChannel channel, int max) {
		this.channel = channel;
		this.max = max;
		// Room for max descriptors (CMSG_SPACE(max * 4)); junixsocket may round it up.
		channel.setAncillaryReceiveBufferSize(16 + ((max * 4 + 7) & ~7));
	}

	/** After a read: keep what came with it, up to the limit. */
	synchronized void arrived() {
		FileDescriptor[] received;
		try {
			received = this.channel.getReceivedFileDescriptors();
		}
		catch (IOException ex) {
			return;
		}
		if (received == null) {
			return;
		}
		for (FileDescriptor descriptor : received) {
			if (this.arrived.size() < this.max) {
				this.arrived.add(descriptor);
			}
			else {
				close(descriptor);
			}
		}
	}

	/** A framed message was received: the descriptors that arrived so far go with it. */
	synchronized void delivered(byte[] message) {
		if (!this.arrived.isEmpty()) {
			this.byMessage.put(message, new ArrayList<>(this.arrived));
			this.arrived.clear();
		}
	}

	/** A framed message's handler starts: its descriptors become the current ones. */
	synchronized void handling(byte[] message) {
		List<FileDescriptor> descriptors = this.byMessage.remove(message);
		this.current = (descriptors != null) ? descriptors : new ArrayList<>();
	}

	/** A raw connection reads again: the last read's descriptors not taken are closed. */
	synchronized void reading() {
		closeAll(this.current);
	}

	/** A raw connection's read returned: what it brought is current, until the next read. */
	synchronized void read() {
		arrived();
		this.current = new ArrayList<>(this.arrived);
		this.arrived.clear();
	}

	/** @return the current descriptors, now the caller's (duplicates); none again until the next message */
	synchronized FileDescriptor[] take() throws IOException {
		List<FileDescriptor> taken = new ArrayList<>();
		try {
			for (FileDescriptor received : this.current) {
				taken.add(FileDescriptorCast.duplicating(received).getFileDescriptor());
			}
		}
		catch (IOException ex) {
			closeAll(taken);
			throw ex;
		}
		finally {
			closeAll(this.current);
		}
		return taken.toArray(NONE);
	}

	/** @param descriptors to send: duplicated now, attached when the handler is done (or at once, on a raw connection) */
	synchronized void send(FileDescriptor... descriptors) throws IOException {
		if (this.outgoing.size() + descriptors.length > this.max) {
			throw new IOException("at most " + this.max + " descriptors go with one message (max-file-descriptors)");
		}
		for (FileDescriptor descriptor : descriptors) {
			this.outgoing.add(FileDescriptorCast.duplicating(descriptor).getFileDescriptor());
		}
	}

	/** The handler is done: unclaimed descriptors are closed. @return whether descriptors wait to be attached */
	synchronized boolean handled() {
		closeAll(this.current);
		return !this.outgoing.isEmpty();
	}

	/** Before the write that carries the reply (the loop's thread, or the raw handler's): attach what was sent. */
	synchronized void attach() throws IOException {
		if (this.outgoing.isEmpty()) {
			return;
		}
		this.attached.addAll(this.outgoing);
		this.outgoing.clear();
		this.channel.setOutboundFileDescriptors(this.attached.toArray(NONE));
	}

	/** A write succeeded: the attached descriptors went with it. */
	synchronized void written() {
		if (!this.attached.isEmpty()) {
			closeAll(this.attached);
		}
	}

	/** The connection closed: nothing more goes either way. */
	synchronized void closed() {
		closeAll(this.arrived);
		this.byMessage.values().forEach(ConnectionDescriptors::closeAll);
		this.byMessage.clear();
		closeAll(this.current);
		closeAll(this.outgoing);
		closeAll(this.attached);
	}

	private static void closeAll(List<FileDescriptor> descriptors) {
		descriptors.forEach(ConnectionDescriptors::close);
		descriptors.clear();
	}

	/** Closes the descriptor itself; junixsocket skips one no longer valid when its socket closes. */
	static void close(FileDescriptor descriptor) {
		if (!descriptor.valid()) {
			return;
		}
		try {
			new FileInputStream(descriptor).close();
		}
		catch (IOException ex) {
			// Closed either way.
		}
	}

	/** @return the exception for a connection whose server does not pass descriptors */
	static UnsupportedOperationException unsupported(String server) {
		return new UnsupportedOperationException("Unix socket server '" + server + "' does not pass file descriptors: "
				+ "set its max-file-descriptors above 0 (builder: maxFileDescriptors), which serves it on junixsocket's "
				+ "channels; the JDK's channels cannot pass descriptors");
	}

}
