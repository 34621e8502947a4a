package io.github.unixsocket.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The word-at-a-time newline scan of lines framing against a byte-by-byte one: every
 * length and position, in both byte orders, heap and direct, with the bytes most likely
 * to fool a zero-byte test around the newline ({@code 0x0B}, {@code 0x8A}, {@code 0x00},
 * {@code 0xFF}, another newline).
 */
class NewlineScanTests {

	private static final byte[] TRICKY = { 0x0B, (byte) 0x8A, 0x00, (byte) 0xFF, 0x09, 0x0A, 0x01, (byte) 0x80 };

	@Test
	void findsTheFirstNewlineExactlyAsAByteByByteScan() {
		Random random = new Random(42);
		for (ByteOrder order : new ByteOrder[] { ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN }) {
			for (boolean direct : new boolean[] { false, true }) {
				for (int length = 0; length <= 40; length++) {
					for (int trial = 0; trial < 200; trial++) {
						ByteBuffer data = (direct ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length))
							.order(order);
						for (int i = 0; i < length; i++) {
							data.put(i, (random.nextInt(3) == 0) ? TRICKY[random.nextInt(TRICKY.length)]
									: (byte) random.nextInt(256));
						}
						int from = (length == 0) ? 0 : random.nextInt(length + 1);
						int to = from + random.nextInt(length - from + 1);
						assertThat(FramedMessages.indexOfNewline(data, from, to))
							.as("%s %s length %d [%d, %d)", order, direct ? "direct" : "heap", length, from, to)
							.isEqualTo(naive(data, from, to));
					}
				}
			}
		}
	}

	@Test
	void aNewlineAtEachPositionOfAWordIsFoundAndNothingPastTheLimit() {
		for (int position = 0; position < 24; position++) {
			ByteBuffer data = ByteBuffer.allocate(24);
			for (int i = 0; i < 24; i++) {
				data.put(i, (byte) 0x0B);
			}
			data.put(position, (byte) '\n');
			assertThat(FramedMessages.indexOfNewline(data, 0, 24)).isEqualTo(position);
			assertThat(FramedMessages.indexOfNewline(data, 0, position)).isEqualTo(-1);
			assertThat(FramedMessages.indexOfNewline(data, Math.min(position + 1, 24), 24)).isEqualTo(-1);
		}
	}

	private static int naive(ByteBuffer data, int from, int to) {
		for (int i = from; i < to; i++) {
			if (data.get(i) == '\n') {
				return i;
			}
		}
		return -1;
	}

}
