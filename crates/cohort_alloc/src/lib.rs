//! A counting global allocator for finding out who allocates, and how much.
//!
//! [`CountingAllocator`] wraps `System` (or any [`GlobalAlloc`](core::alloc::GlobalAlloc))
//! and counts allocations, deallocations, reallocations and bytes. It counts per thread,
//! each thread in a cache line of its own that only it writes, so counting takes no lock
//! and no atomic read-modify-write. Read the counters three ways:
//!
//! - [`thread_counts`]: the calling thread's totals; the difference of two readings is
//!   exactly what that thread allocated in between.
//! - [`AllocSnapshot::take`]: every thread's totals added up, live bytes and the peak.
//! - [`AllocScope`]: a named scope that collects what the current thread allocates while a
//!   guard lives.
//!
//! It has no Bevy dependency; `cohort_profiler` builds per-system attribution on it.
//!
//! ```
//! use cohort_alloc::{AllocScope, AllocSnapshot, CountingAllocator};
//!
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator = CountingAllocator::system();
//!
//! let loading = AllocScope::register("loading").unwrap();
//! {
//!     let _scope = loading.enter();
//!     let names: Vec<String> = (0..3).map(|i| format!("unit {i}")).collect();
//!     assert_eq!(names.len(), 3);
//! }
//! let (entries, counts) = loading.totals();
//! assert_eq!(entries, 1);
//! assert_eq!(counts.allocations, 4, "the Vec and three Strings");
//! assert_eq!(counts.live_bytes(), 0, "all freed inside the scope");
//! assert!(AllocSnapshot::take().totals.allocations >= 4);
//! ```

mod allocator;
mod counts;
mod scope;
mod slots;
mod snapshot;

pub use allocator::CountingAllocator;
pub use counts::AllocCounts;
pub use scope::{AllocScope, MAX_SCOPES, ScopeError, ScopeGuard};
pub use slots::MAX_THREAD_SLOTS;
pub use snapshot::{AllocSnapshot, is_installed, thread_counts, thread_counts_exact};
