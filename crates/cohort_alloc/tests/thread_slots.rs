//! Hundreds of threads: slots of finished threads are reused, and threads past the slot
//! limit share the overflow slot without losing a count. In a file of its own, one test,
//! so no other test's thread competes for slots meanwhile.

use std::hint::black_box;

use cohort_alloc::{
    AllocSnapshot, CountingAllocator, MAX_THREAD_SLOTS, thread_counts, thread_counts_exact,
};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

#[test]
fn thread_slots_are_reused_and_shared_without_loss() {
    slots_of_finished_threads_are_reused_and_nothing_is_lost();
    more_threads_alive_than_slots_share_the_overflow_slot_exactly();
}

fn slots_of_finished_threads_are_reused_and_nothing_is_lost() {
    let before = AllocSnapshot::take();
    let threads = MAX_THREAD_SLOTS + 20;
    for _ in 0..threads / 20 + 1 {
        let batch: Vec<_> = (0..20)
            .map(|_| std::thread::spawn(|| black_box(Box::new([7u8; 24])).len()))
            .collect();
        for handle in batch {
            handle.join().expect("worker");
        }
    }
    let after = AllocSnapshot::take();
    assert!(
        after.threads > MAX_THREAD_SLOTS,
        "{} threads seen",
        after.threads
    );
    assert!(after.since(&before).allocations >= threads as u64);
    // Threads that finished gave their slot back, so a new one gets exact counts.
    let exact = std::thread::spawn(|| {
        let before = thread_counts();
        black_box(Box::new(5u32));
        (
            thread_counts_exact(),
            (thread_counts() - before).allocations,
        )
    })
    .join()
    .expect("worker");
    assert_eq!(
        exact,
        (true, 1),
        "a thread started after {threads} others has its own slot"
    );
}

fn more_threads_alive_than_slots_share_the_overflow_slot_exactly() {
    let alive = MAX_THREAD_SLOTS + 10;
    let before = AllocSnapshot::take();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(alive));
    let handles: Vec<_> = (0..alive)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                black_box(Box::new([1u8; 8]));
                // Every thread holds its slot until all have allocated.
                barrier.wait();
                black_box(Box::new([1u8; 8]));
                thread_counts_exact()
            })
        })
        .collect();
    let shared = handles
        .into_iter()
        .map(|handle| handle.join().expect("worker"))
        .filter(|exact| !exact)
        .count();
    assert!(
        shared >= 10,
        "{alive} threads alive at once: {shared} share the overflow slot"
    );
    let since = AllocSnapshot::take().since(&before);
    assert!(
        since.allocations >= 2 * alive as u64,
        "nothing is lost: {since:?}"
    );
}
