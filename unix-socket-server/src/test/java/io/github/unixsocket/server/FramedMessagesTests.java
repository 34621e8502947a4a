package io.github.unixsocket.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The framing rules of the event loop and the blocking adapter, without sockets. */
class FramedMessagesTests {

	private static final MessageHandler NONE = (connection, message) -> null;

	private final FramedMessages lines = new FramedMessages(Framing.LINES, NONE, 5);

	private final FramedMessages prefixed = new FramedMessages(Framing.LENGTH_PREFIXED, NONE, 5);

	@Test
	void linesEndAtNewlineAndDropACarriageReturnBeforeIt() {
		ByteBuffer data = bytes("ab\r\ncd\n");
		int end = this.lines.messageEnd(data, 0);
		assertThat(end).isEqualTo(3);
		assertThat(text(this.lines.message(data, 0, end))).isEqualTo("ab");
		int next = this.lines.next(end);
		assertThat(next).isEqualTo(4);
		assertThat(text(this.lines.message(data, next, this.lines.messageEnd(data, next)))).isEqualTo("cd");
	}

	@Test
	void aLineOfExactlyTheLimitIsFineOneByteMoreIsTooLarge() {
		assertThat(this.lines.messageEnd(bytes("12345\n"), 0)).isEqualTo(5);
		assertThat(this.lines.messageEnd(bytes("123456\n"), 0)).isEqualTo(FramedMessages.TOO_LARGE);
		assertThat(this.lines.messageEnd(bytes("12345"), 0)).as("may still end").isEqualTo(-1);
		assertThat(this.lines.messageEnd(bytes("123456"), 0)).as("cannot end within the limit")
			.isEqualTo(FramedMessages.TOO_LARGE);
		assertThat(this.lines.exceedsLimit(5)).isFalse();
		assertThat(this.lines.exceedsLimit(6)).isTrue();
		assertThat(this.lines.capacityLimit()).isEqualTo(6);
	}

	@Test
	void linesAreFoundAnywhereInTheReadBufferUnderTheLargestLimit() {
		FramedMessages largest = new FramedMessages(Framing.LINES, NONE, FramedConnectionHandler.MAX_LIMIT);
		int start = EventLoop.BUFFER_SIZE - 3;
		assertThat(largest.messageEnd(endingWith("ab\n"), start)).isEqualTo(start + 2);
		assertThat(largest.messageEnd(endingWith("abc"), start)).as("may still end").isEqualTo(-1);
	}

	private static ByteBuffer endingWith(String text) {
		ByteBuffer data = ByteBuffer.allocate(EventLoop.BUFFER_SIZE);
		return data.position(EventLoop.BUFFER_SIZE - text.length()).put(bytes(text)).flip();
	}

	@Test
	void aLineInProgressIsCompletedByTheNextNewline() {
		byte[] partial = "12".getBytes(StandardCharsets.US_ASCII);
		assertThat(this.lines.stillNeeded(partial, 2, bytes("3\nrest"))).isEqualTo(2);
		assertThat(this.lines.stillNeeded(partial, 2, bytes("3"))).as("not yet").isEqualTo(2);
		assertThat(this.lines.stillNeeded(partial, 2, bytes("345\n"))).as("5 bytes, the limit").isEqualTo(4);
		assertThat(this.lines.stillNeeded(partial, 2, bytes("3456\n"))).isEqualTo(FramedMessages.TOO_LARGE);
		assertThat(this.lines.stillNeeded(partial, 2, bytes("3456"))).isEqualTo(FramedMessages.TOO_LARGE);
		byte[] complete = "12\r\n".getBytes(StandardCharsets.US_ASCII);
		assertThat(text(this.lines.message(complete, 4))).isEqualTo("12");
	}

	@Test
	void prefixedMessagesAreCutByTheirLengthNeverAllocatingWhatAHeaderClaims() {
		ByteBuffer data = ByteBuffer.allocate(20).putInt(3).put("abc".getBytes(StandardCharsets.US_ASCII)).putInt(0)
			.flip();
		int end = this.prefixed.messageEnd(data, 0);
		assertThat(end).isEqualTo(7);
		assertThat(text(this.prefixed.message(data, 0, end))).isEqualTo("abc");
		assertThat(this.prefixed.next(end)).isEqualTo(7);
		assertThat(this.prefixed.message(data, 7, this.prefixed.messageEnd(data, 7))).isEmpty();
		assertThat(this.prefixed.messageEnd(ByteBuffer.allocate(4).putInt(6).flip(), 0))
			.isEqualTo(FramedMessages.TOO_LARGE);
		assertThat(this.prefixed.messageEnd(ByteBuffer.allocate(4).putInt(-1).flip(), 0))
			.isEqualTo(FramedMessages.TOO_LARGE);
		assertThat(this.prefixed.messageEnd(ByteBuffer.allocate(6).putInt(5).put((byte) 1).put((byte) 2).flip(), 0))
			.isEqualTo(-1);
	}

	@Test
	void aPrefixSplitAcrossReadsIsReadAcrossThem() {
		byte[] partial = { 0, 0 };
		ByteBuffer rest = ByteBuffer.allocate(10).put(new byte[] { 0, 3, 'x', 'y' }).flip();
		assertThat(this.prefixed.stillNeeded(partial, 2, rest)).as("2 of prefix + 3 of body").isEqualTo(5);
		assertThat(this.prefixed.stillNeeded(partial, 2, ByteBuffer.wrap(new byte[] { 0 })))
			.as("prefix still incomplete")
			.isEqualTo(2);
		assertThat(this.prefixed.stillNeeded(partial, 2, ByteBuffer.wrap(new byte[] { 0, 9 })))
			.isEqualTo(FramedMessages.TOO_LARGE);
		byte[] complete = { 0, 0, 0, 2, 'h', 'i' };
		assertThat(text(this.prefixed.message(complete, 6))).isEqualTo("hi");
	}

	@Test
	void aMessageLaterInTheBufferIsMeasuredFromItsOwnStart() {
		assertThat(this.lines.messageEnd(bytes("abcd\nxy"), 5)).as("2 bytes so far").isEqualTo(-1);
		ByteBuffer shortPrefix = ByteBuffer.allocate(7).put(FramedServerTests.frame("a")).put(new byte[2]).flip();
		assertThat(this.prefixed.messageEnd(shortPrefix, 5)).as("2 bytes of a prefix").isEqualTo(-1);
		ByteBuffer shortBody = ByteBuffer.allocate(11).put(FramedServerTests.frame("ab")).putInt(3).put((byte) 'x')
			.flip();
		assertThat(this.prefixed.messageEnd(shortBody, 6)).as("1 byte of 3").isEqualTo(-1);
	}

	@Test
	void bytesAlreadyScannedAreSkippedButTheLimitCountsFromTheMessagesStart() {
		assertThat(this.lines.messageEnd(bytes("ab\ncd\n"), 0, 3)).as("told [0, 3) holds no newline").isEqualTo(5);
		assertThat(this.lines.messageEnd(bytes("12345"), 0, 5)).as("may still end").isEqualTo(-1);
		assertThat(this.lines.messageEnd(bytes("123456"), 0, 6)).isEqualTo(FramedMessages.TOO_LARGE);
		assertThat(this.lines.messageEnd(bytes("xx12345\n"), 2, 4)).isEqualTo(7);
		ByteBuffer prefixedData = ByteBuffer.allocate(6).putInt(2).put(new byte[] { 'h', 'i' }).flip();
		assertThat(this.prefixed.messageEnd(prefixedData, 0, 6)).as("a prefix is always read").isEqualTo(6);
	}

	@Test
	void aLineInProgressOfExactlyTheLimitMayStillEnd() {
		byte[] partial = "12".getBytes(StandardCharsets.US_ASCII);
		assertThat(this.lines.stillNeeded(partial, 2, bytes("345"))).isEqualTo(4);
	}

	@Test
	void aPrefixSplitAcrossReadsIsReadWholeWhateverItsBytes() {
		FramedMessages larger = new FramedMessages(Framing.LENGTH_PREFIXED, NONE, 1000);
		byte[] partial = { 0, 0 };
		assertThat(larger.stillNeeded(partial, 2, ByteBuffer.wrap(new byte[] { 1, 2 }))).as("258, less 2 of prefix")
			.isEqualTo(4 + 258 - 2);
		assertThat(this.prefixed.stillNeeded(partial, 2, ByteBuffer.wrap(new byte[] { 0, 5 }))).as("the limit")
			.isEqualTo(4 + 5 - 2);
		assertThat(this.prefixed.stillNeeded(partial, 2, ByteBuffer.wrap(new byte[] { 0, 0 }))).as("empty")
			.isEqualTo(4 - 2);
	}

	@Test
	void theLimitIsOneByteToTheLargestArray() {
		assertThat(new FramedMessages(Framing.LINES, NONE, FramedConnectionHandler.MAX_LIMIT).maxMessageSize())
			.isEqualTo(FramedConnectionHandler.MAX_LIMIT);
		assertThat(new FramedMessages(Framing.LINES, NONE, 1).maxMessageSize()).isEqualTo(1);
		assertThatIllegalArgumentException().isThrownBy(() -> new FramedMessages(Framing.LINES, NONE, 0));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new FramedMessages(Framing.LINES, NONE, FramedConnectionHandler.MAX_LIMIT + 1));
	}

	@Test
	void repliesAreFramedLikeRequests() {
		ByteBuffer line = this.lines.frame("ok".getBytes(StandardCharsets.US_ASCII));
		assertThat(text(remaining(line))).isEqualTo("ok\n");
		ByteBuffer prefixedReply = this.prefixed.frame("ok".getBytes(StandardCharsets.US_ASCII));
		assertThat(prefixedReply.getInt()).isEqualTo(2);
		assertThat(text(remaining(prefixedReply))).isEqualTo("ok");
		assertThat(this.lines.frameSize(new byte[3])).isEqualTo(4);
		assertThat(this.prefixed.frameSize(new byte[3])).isEqualTo(7);
	}

	@Test
	void aReplyTooLargeForABufferIsFramedAroundItsBytes() {
		byte[] reply = "ok".getBytes(StandardCharsets.US_ASCII);
		ByteBuffer line = ByteBuffer.allocate(8);
		this.lines.headerInto(reply, line);
		assertThat(line.position()).as("no header").isZero();
		this.lines.trailerInto(line);
		assertThat(text(remaining(line.flip()))).isEqualTo("\n");
		ByteBuffer prefixedReply = ByteBuffer.allocate(8);
		this.prefixed.headerInto(reply, prefixedReply);
		this.prefixed.trailerInto(prefixedReply);
		assertThat(prefixedReply.flip().remaining()).as("the prefix, no trailer").isEqualTo(4);
		assertThat(prefixedReply.getInt()).isEqualTo(2);
	}

	private static ByteBuffer bytes(String text) {
		return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
	}

	private static byte[] remaining(ByteBuffer buffer) {
		byte[] bytes = new byte[buffer.remaining()];
		buffer.get(bytes);
		return bytes;
	}

	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.US_ASCII);
	}

}
