package io.github.unixsocket.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.unixsocket.server.BufferBudget.Reservation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@Timeout(60)
class BufferBudgetTests {

	@Test
	void grantsWithinCapacityAndTakesBackWhatShrinksOrCloses() {
		BufferBudget budget = new BufferBudget(100);
		AtomicInteger evictions = new AtomicInteger();
		Reservation a = budget.open(evictions::incrementAndGet);
		Reservation b = budget.open(evictions::incrementAndGet);
		assertThat(a.resize(60)).isTrue();
		assertThat(b.resize(40)).isTrue();
		assertThat(budget.used()).isEqualTo(100);
		assertThat(budget.capacity()).isEqualTo(100);
		assertThat(budget).hasToString("BufferBudget[used=100, capacity=100]");
		assertThat(a.bytes()).isEqualTo(60);
		assertThat(b.bytes()).isEqualTo(40);
		assertThat(a.resize(10)).isTrue();
		assertThat(a.bytes()).isEqualTo(10);
		assertThat(budget.used()).isEqualTo(50);
		b.close();
		assertThat(b.bytes()).isZero();
		assertThat(b.resize(1)).as("closed: grants nothing").isFalse();
		assertThat(budget.used()).isEqualTo(10);
		a.close();
		a.close();
		assertThat(budget.used()).isZero();
		assertThat(evictions).hasValue(0);
	}

	@Test
	void evictsTheLargestOtherReservationToMakeRoom() {
		BufferBudget budget = new BufferBudget(100);
		List<String> evicted = new ArrayList<>();
		Reservation hog = budget.open(() -> evicted.add("hog"));
		Reservation medium = budget.open(() -> evicted.add("medium"));
		Reservation small = budget.open(() -> evicted.add("small"));
		assertThat(hog.resize(70)).isTrue();
		assertThat(medium.resize(20)).isTrue();
		assertThat(small.resize(5)).isTrue();
		assertThat(small.resize(15)).isTrue();
		assertThat(evicted).containsExactly("hog");
		assertThat(hog.isEvicted()).isTrue();
		assertThat(hog.bytes()).isZero();
		assertThat(budget.used()).isEqualTo(35);
		// Evicted for good: it grants nothing more, and closing it changes nothing.
		assertThat(hog.resize(1)).isFalse();
		hog.close();
		assertThat(budget.used()).isEqualTo(35);
		assertThat(evicted).containsExactly("hog");
	}

	@Test
	void requesterThatWouldHoldTheMostIsEvictedItself() {
		BufferBudget budget = new BufferBudget(100);
		List<String> evicted = new ArrayList<>();
		Reservation legit = budget.open(() -> evicted.add("legit"));
		Reservation attacker = budget.open(() -> evicted.add("attacker"));
		assertThat(legit.resize(30)).isTrue();
		assertThat(attacker.resize(60)).isTrue();
		assertThat(attacker.resize(80)).isFalse();
		assertThat(evicted).containsExactly("attacker");
		assertThat(attacker.isEvicted()).isTrue();
		assertThat(legit.isEvicted()).isFalse();
		assertThat(budget.used()).isEqualTo(30);
	}

	@Test
	void onATieTheRequesterGoes() {
		BufferBudget budget = new BufferBudget(100);
		List<String> evicted = new ArrayList<>();
		Reservation first = budget.open(() -> evicted.add("first"));
		Reservation second = budget.open(() -> evicted.add("second"));
		assertThat(first.resize(50)).isTrue();
		assertThat(second.resize(40)).isTrue();
		// A newcomer asking as much as the largest holds does not push it out.
		Reservation equal = budget.open(() -> evicted.add("equal"));
		assertThat(equal.resize(50)).isFalse();
		assertThat(evicted).containsExactly("equal");
		Reservation smaller = budget.open(() -> evicted.add("smaller"));
		assertThat(smaller.resize(20)).isTrue();
		assertThat(evicted).containsExactly("equal", "first");
		assertThat(budget.used()).isEqualTo(60);
		assertThat(second.isEvicted()).isFalse();
	}

	@Test
	void requestLargerThanTheWholeBudgetEvictsOnlyTheRequester() {
		BufferBudget budget = new BufferBudget(100);
		AtomicInteger othersEvicted = new AtomicInteger();
		Reservation other = budget.open(othersEvicted::incrementAndGet);
		Reservation huge = budget.open(() -> {
		});
		assertThat(other.resize(90)).isTrue();
		assertThat(huge.resize(101)).isFalse();
		assertThat(othersEvicted).hasValue(0);
		assertThat(budget.used()).isEqualTo(90);
	}

	@Test
	void evictionActionRunsWithoutTheLock() throws Exception {
		BufferBudget budget = new BufferBudget(100);
		CountDownLatch otherThreadGotTheLock = new CountDownLatch(1);
		Reservation hog = budget.open(() -> {
			// Another thread can use the budget while an eviction action runs: it holds no lock.
			Thread thread = new Thread(() -> {
				budget.used();
				budget.open(() -> {
				}).resize(1);
				otherThreadGotTheLock.countDown();
			});
			thread.start();
			try {
				assertThat(otherThreadGotTheLock.await(10, TimeUnit.SECONDS)).isTrue();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		assertThat(hog.resize(90)).isTrue();
		assertThat(budget.open(() -> {
		}).resize(20)).isTrue();
		assertThat(otherThreadGotTheLock.getCount()).isZero();
	}

	@Test
	void neverExceedsTheCapacityAndReturnsToZeroUnderConcurrency() throws Exception {
		BufferBudget budget = new BufferBudget(1_000_000);
		AtomicLong maxSeen = new AtomicLong();
		AtomicInteger evictions = new AtomicInteger();
		ExecutorService threads = Executors.newFixedThreadPool(8);
		try {
			List<Future<?>> done = new ArrayList<>();
			for (int t = 0; t < 8; t++) {
				int seed = t;
				done.add(threads.submit(() -> {
					Random random = new Random(seed);
					for (int round = 0; round < 2_000; round++) {
						// Three at up to 500KB each: one thread alone can overflow the budget, several surely do.
						List<Reservation> held = List.of(budget.open(evictions::incrementAndGet),
								budget.open(evictions::incrementAndGet), budget.open(evictions::incrementAndGet));
						for (int i = 0; i < 15; i++) {
							held.get(i % 3).resize(random.nextInt(500_000));
							maxSeen.accumulateAndGet(budget.used(), Math::max);
						}
						held.forEach(Reservation::close);
					}
				}));
			}
			for (Future<?> future : done) {
				future.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(maxSeen.get()).isPositive().isLessThanOrEqualTo(budget.capacity());
		assertThat(evictions.get()).as("the workload must have overflowed the budget").isPositive();
		assertThat(budget.used()).isZero();
	}

	@Test
	void capacityAndSizesMustMakeSense() {
		assertThatIllegalArgumentException().isThrownBy(() -> new BufferBudget(0));
		Reservation reservation = new BufferBudget(10).open(() -> {
		});
		assertThatIllegalArgumentException().isThrownBy(() -> reservation.resize(-1));
	}

}
