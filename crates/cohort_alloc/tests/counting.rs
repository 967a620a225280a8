//! The counting allocator installed as this test binary's global allocator: exact counts on
//! one thread, isolation between threads, scopes, snapshots and the peak.

use std::hint::black_box;

use cohort_alloc::{
    AllocScope, AllocSnapshot, CountingAllocator, is_installed, thread_counts, thread_counts_exact,
};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

#[test]
fn counts_exactly_what_this_thread_allocates() {
    assert!(is_installed());
    assert!(thread_counts_exact());
    let before = thread_counts();
    for _ in 0..7 {
        black_box(Box::new([0u8; 100]));
    }
    let made = thread_counts() - before;
    assert_eq!(made.allocations, 7);
    assert_eq!(made.deallocations, 7);
    assert_eq!(made.bytes_allocated, 700);
    assert_eq!(made.bytes_freed, 700);
    assert_eq!(made.live_bytes(), 0);
}

#[test]
fn reallocations_count_old_and_new_sizes() {
    let mut bytes: Vec<u8> = Vec::with_capacity(16);
    let before = thread_counts();
    bytes.reserve_exact(64);
    let made = thread_counts() - before;
    assert_eq!(made.reallocations, 1);
    assert_eq!(made.allocations, 0);
    assert_eq!(made.bytes_allocated, 64);
    assert_eq!(made.bytes_freed, 16);
    assert_eq!(made.live_bytes(), 48);
    drop(black_box(bytes));
}

#[test]
fn nothing_is_counted_when_nothing_allocates() {
    let mut reused: Vec<u64> = Vec::with_capacity(1024);
    let before = thread_counts();
    for round in 0..100 {
        reused.clear();
        reused.extend(0..1000u64.min(round * 10 + 1));
    }
    assert!(
        (thread_counts() - before).is_zero(),
        "reusing capacity allocates nothing"
    );
    black_box(reused);
}

#[test]
fn other_threads_do_not_disturb_this_threads_counts() {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let noisy = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut made = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                black_box(vec![1u8; 32]);
                made += 1;
            }
            made
        })
    };
    let before = thread_counts();
    for _ in 0..1000 {
        black_box(Box::new(1u64));
    }
    let mine = thread_counts() - before;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let theirs = noisy.join().expect("noisy thread");
    assert_eq!(
        mine.allocations, 1000,
        "while the other thread made {theirs}"
    );
    assert_eq!(mine.bytes_allocated, 8000);
}

#[test]
fn snapshots_add_up_every_thread() {
    let before = AllocSnapshot::take();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                (0..250)
                    .map(|i| black_box(vec![0u8; 1 + i % 5]).len())
                    .sum::<usize>()
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("worker");
    }
    let since = AllocSnapshot::take().since(&before);
    assert!(
        since.allocations >= 1000,
        "4 threads × 250 vectors, got {since:?}"
    );
}

#[test]
fn the_peak_remembers_the_high_water_mark() {
    let big = black_box(vec![0u8; 64 << 20]);
    let during = AllocSnapshot::take();
    drop(big);
    let after = AllocSnapshot::take();
    assert!(during.live_bytes() >= 64 << 20);
    assert!(after.peak_live_bytes >= 64 << 20, "{after:?}");
    assert!(after.live_bytes() < during.live_bytes());
}

#[test]
fn scopes_collect_what_their_thread_allocates() {
    let outer = AllocScope::register("test/outer").expect("room for scopes");
    let inner = AllocScope::register("test/inner").expect("room for scopes");
    assert_eq!(
        AllocScope::register("test/outer"),
        Ok(outer),
        "same name, same scope"
    );
    {
        let _outer = outer.enter();
        black_box(Box::new([0u8; 10]));
        {
            let guard = inner.enter();
            black_box(Box::new([0u8; 20]));
            black_box(Box::new([0u8; 20]));
            assert_eq!(guard.so_far().allocations, 2);
        }
    }
    let (entries, made) = inner.totals();
    assert_eq!(
        (entries, made.allocations, made.bytes_allocated),
        (1, 2, 40)
    );
    let (entries, made) = outer.totals();
    assert_eq!(
        (entries, made.allocations, made.bytes_allocated),
        (1, 3, 50),
        "nested scopes count in both"
    );
    assert!(
        AllocScope::all()
            .iter()
            .any(|scope| scope.name() == "test/inner")
    );
}
