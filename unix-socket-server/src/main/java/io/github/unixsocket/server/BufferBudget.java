package io.github.unixsocket.server;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How many bytes the buffers of unfinished messages may take in total, across all the
 * connections of one server. A connection opens a {@link Reservation} and
 * {@link Reservation#resize resizes} it before its buffer grows; when the budget cannot
 * grant the growth, the holder of the <em>largest</em> reservation is evicted (its
 * reservation returned at once, its eviction action run) and the request goes through, or,
 * if the requester itself holds the most, the requester is evicted and refused. So a client
 * that piles up huge partial messages goes first and small, legitimate ones keep being
 * served, while the total never exceeds the capacity.
 * <p>
 * Thread-safe and free of any threading policy: it takes a lock only when a reservation
 * changes (a buffer grows or shrinks, a connection ends), never per read, and runs
 * eviction actions on the calling thread after releasing it. Usable from a thread per
 * connection as from an event loop.
 */
public final class BufferBudget {

	/** Default capacity of a server's budget: 32MB. */
	public static final long DEFAULT_CAPACITY = 32L * 1024 * 1024;

	private final long capacity;

	/** Open, not evicted reservations; guarded by {@code this}. */
	private final Set<Reservation> reservations = new LinkedHashSet<>();

	/** Sum of the open reservations; written under {@code this}. */
	private volatile long used;

	/**
	 * @param capacity the most the reservations may hold together, in bytes (at least 1)
	 */
	public BufferBudget(long capacity) {
		if (capacity <= 0) {
			throw new IllegalArgumentException("capacity must be positive");
		}
		this.capacity = capacity;
	}

	/** @return the most the reservations may hold together, in bytes */
	public long capacity() {
		return this.capacity;
	}

	/** @return bytes reserved now */
	public long used() {
		return this.used;
	}

	/**
	 * Open an empty reservation.
	 * @param onEvicted what to do when the budget takes this reservation back to make room
	 * (typically: close the connection); run once, on the thread whose request caused it,
	 * without the budget's lock held
	 * @return the reservation; {@link Reservation#close() close} it when its buffer is gone
	 */
	public Reservation open(Runnable onEvicted) {
		Reservation reservation = new Reservation(Objects.requireNonNull(onEvicted, "onEvicted"));
		synchronized (this) {
			this.reservations.add(reservation);
		}
		return reservation;
	}

	@Override
	public String toString() {
		return "BufferBudget[used=" + this.used + ", capacity=" + this.capacity + "]";
	}

	/** Grant the change, evicting what must go; returns the evicted to notify. Under the lock. */
	private List<Reservation> resize(Reservation requester, long bytes) {
		List<Reservation> evicted = new ArrayList<>(1);
		if (!requester.open) {
			return evicted;
		}
		while (this.used - requester.bytes + bytes > this.capacity) {
			Reservation largest = null;
			for (Reservation reservation : this.reservations) {
				if (reservation != requester && (largest == null || reservation.bytes > largest.bytes)) {
					largest = reservation;
				}
			}
			// On a tie the requester goes: a newcomer does not push out an equal that was there first.
			Reservation victim = (largest != null && largest.bytes > bytes) ? largest : requester;
			evict(victim);
			evicted.add(victim);
			if (victim == requester) {
				return evicted;
			}
		}
		this.used += bytes - requester.bytes;
		requester.bytes = bytes;
		return evicted;
	}

	private void evict(Reservation reservation) {
		reservation.evicted = true;
		remove(reservation);
	}

	private void remove(Reservation reservation) {
		if (reservation.open) {
			reservation.open = false;
			this.reservations.remove(reservation);
			this.used -= reservation.bytes;
			reservation.bytes = 0;
		}
	}

	/**
	 * The bytes one buffer holds beyond what it may keep for free. Thread-safe; closing it
	 * more than once, or after it was evicted, does nothing.
	 */
	public final class Reservation implements AutoCloseable {

		private final Runnable onEvicted;

		/** Guarded by the budget. */
		private long bytes;

		/** Guarded by the budget. */
		private boolean open = true;

		private volatile boolean evicted;

		private Reservation(Runnable onEvicted) {
			this.onEvicted = onEvicted;
		}

		/**
		 * Set this reservation to {@code bytes}: shrinking always succeeds; growing may
		 * evict the largest other reservation, or this one.
		 * @param bytes the new size of the reservation, in bytes
		 * @return {@code true} if this reservation now holds {@code bytes}; {@code false}
		 * if it was evicted (now or before) or closed: the caller must drop its buffer and
		 * end the connection
		 */
		public boolean resize(long bytes) {
			if (bytes < 0) {
				throw new IllegalArgumentException("bytes must not be negative");
			}
			List<Reservation> evicted;
			boolean granted;
			synchronized (BufferBudget.this) {
				evicted = BufferBudget.this.resize(this, bytes);
				granted = this.open;
			}
			for (Reservation reservation : evicted) {
				reservation.onEvicted.run();
			}
			return granted;
		}

		/** @return the bytes held now, 0 once evicted or closed */
		public long bytes() {
			synchronized (BufferBudget.this) {
				return this.bytes;
			}
		}

		/** @return whether the budget took this reservation back to make room */
		public boolean isEvicted() {
			return this.evicted;
		}

		/** Return everything this reservation holds; it grants nothing afterwards. */
		@Override
		public void close() {
			synchronized (BufferBudget.this) {
				remove(this);
			}
		}

	}

}
