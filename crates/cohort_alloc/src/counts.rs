//! Counter values and their arithmetic.

use core::ops::{Add, Sub};

/// Allocation counters: totals since start, or the difference of two snapshots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AllocCounts {
    /// Calls to `alloc` and `alloc_zeroed`.
    pub allocations: u64,
    /// Calls to `dealloc`.
    pub deallocations: u64,
    /// Calls to `realloc`.
    pub reallocations: u64,
    /// Bytes handed out, `realloc`'s new sizes included.
    pub bytes_allocated: u64,
    /// Bytes given back, `realloc`'s old sizes included.
    pub bytes_freed: u64,
}

impl AllocCounts {
    /// Bytes allocated and not yet freed (negative for a difference in which more was
    /// freed than allocated).
    pub fn live_bytes(&self) -> i64 {
        self.bytes_allocated.wrapping_sub(self.bytes_freed) as i64
    }

    /// Heap operations that asked the allocator for memory: allocations and reallocations.
    pub fn allocating_calls(&self) -> u64 {
        self.allocations + self.reallocations
    }

    /// Whether nothing was allocated, reallocated or freed.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

impl Add for AllocCounts {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            allocations: self.allocations.wrapping_add(other.allocations),
            deallocations: self.deallocations.wrapping_add(other.deallocations),
            reallocations: self.reallocations.wrapping_add(other.reallocations),
            bytes_allocated: self.bytes_allocated.wrapping_add(other.bytes_allocated),
            bytes_freed: self.bytes_freed.wrapping_add(other.bytes_freed),
        }
    }
}

impl Sub for AllocCounts {
    type Output = Self;

    /// What happened between `other` (earlier) and `self` (later).
    fn sub(self, other: Self) -> Self {
        Self {
            allocations: self.allocations.wrapping_sub(other.allocations),
            deallocations: self.deallocations.wrapping_sub(other.deallocations),
            reallocations: self.reallocations.wrapping_sub(other.reallocations),
            bytes_allocated: self.bytes_allocated.wrapping_sub(other.bytes_allocated),
            bytes_freed: self.bytes_freed.wrapping_sub(other.bytes_freed),
        }
    }
}
