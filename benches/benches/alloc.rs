//! What counting costs: `alloc` + `dealloc` of one block through plain `System` and through
//! `CountingAllocator<System>`, side by side in one run, on one thread and with both cores
//! allocating at once.
//!
//! The allocators are called directly through `GlobalAlloc` (a binary has one global
//! allocator, so both cannot be installed in one run); the difference is the wrapper's cost.
//!
//! ```text
//! cargo bench -p cohort_benches --bench alloc
//! ```

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use cohort_alloc::CountingAllocator;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// `alloc` then `dealloc` of `layout`, `iterations` times, through `allocator`.
fn churn<A: GlobalAlloc>(allocator: &A, layout: Layout, iterations: u64) {
    for _ in 0..iterations {
        // SAFETY: `layout` has a non-zero size; the block is freed with the same layout.
        unsafe {
            let block = allocator.alloc(black_box(layout));
            assert!(!block.is_null());
            block.write(1);
            allocator.dealloc(black_box(block), layout);
        }
    }
}

/// Runs `churn` on `threads` threads at once and returns the slowest thread's time. The
/// threads start together (a barrier), so that they overlap however short the run.
fn churn_on_threads<A: GlobalAlloc + Sync>(
    allocator: &A,
    layout: Layout,
    iterations: u64,
    threads: usize,
) -> Duration {
    let start_line = Barrier::new(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let start_line = &start_line;
                scope.spawn(move || {
                    start_line.wait();
                    let start = Instant::now();
                    churn(allocator, layout, iterations);
                    start.elapsed()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("worker"))
            .max()
            .unwrap_or_default()
    })
}

static COUNTING: CountingAllocator = CountingAllocator::system();

fn alloc_overhead(c: &mut Criterion) {
    for threads in [1usize, 2] {
        let mut group = c.benchmark_group(format!("alloc_dealloc/{threads}_threads"));
        for size in [16usize, 64, 1024] {
            let layout = Layout::from_size_align(size, 8).expect("valid layout");
            group.bench_with_input(BenchmarkId::new("System", size), &layout, |b, layout| {
                b.iter_custom(|iterations| churn_on_threads(&System, *layout, iterations, threads));
            });
            group.bench_with_input(
                BenchmarkId::new("CountingAllocator", size),
                &layout,
                |b, layout| {
                    b.iter_custom(|iterations| {
                        churn_on_threads(&COUNTING, *layout, iterations, threads)
                    });
                },
            );
        }
        group.finish();
    }
}

criterion_group!(benches, alloc_overhead);
criterion_main!(benches);
