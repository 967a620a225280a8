//! [`CountingAllocator`]: counts every heap operation, then forwards it.

use core::alloc::{GlobalAlloc, Layout};
use std::alloc::System;

use crate::slots::thread_slot;

/// A global allocator that counts allocations, deallocations, reallocations and bytes per
/// thread, then forwards every call to the allocator it wraps (`System` by default).
///
/// Install it with one line in your binary:
///
/// ```
/// use cohort_alloc::CountingAllocator;
///
/// #[global_allocator]
/// static ALLOCATOR: CountingAllocator = CountingAllocator::system();
///
/// fn main() {
///     let before = cohort_alloc::thread_counts();
///     let numbers: Vec<u32> = (0..100).collect();
///     let made = cohort_alloc::thread_counts() - before;
///     assert_eq!(made.allocations, 1);
///     assert_eq!(made.bytes_allocated, 400);
///     drop(numbers);
/// }
/// ```
///
/// Counting costs one uncontended load and store per counter on memory only the calling
/// thread writes; `BENCHMARKS.md` has the measured overhead.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAllocator<A = System> {
    inner: A,
}

impl CountingAllocator<System> {
    /// Counts and forwards to the operating system's allocator.
    pub const fn system() -> Self {
        Self { inner: System }
    }
}

impl<A> CountingAllocator<A> {
    /// Counts and forwards to `inner`.
    pub const fn new(inner: A) -> Self {
        Self { inner }
    }

    /// The wrapped allocator.
    pub const fn inner(&self) -> &A {
        &self.inner
    }
}

// SAFETY: every method forwards to `inner` with the same arguments and returns its result
// unchanged; counting touches only the thread's counter slot, never the memory handed out.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAllocator<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract; it is passed on as is.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            thread_slot().record_alloc(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            thread_slot().record_alloc(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract; passed on as is.
        unsafe { self.inner.dealloc(ptr, layout) };
        thread_slot().record_dealloc(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract; passed on as is.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            thread_slot().record_realloc(layout.size(), new_size);
        }
        new
    }
}
