//! Named scopes that collect what the current thread allocates inside them.

use core::marker::PhantomData;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

use crate::AllocCounts;
use crate::snapshot::thread_counts;

/// The most scopes a program may register.
pub const MAX_SCOPES: usize = 4096;

struct ScopeTotals {
    entries: AtomicU64,
    allocations: AtomicU64,
    deallocations: AtomicU64,
    reallocations: AtomicU64,
    bytes_allocated: AtomicU64,
    bytes_freed: AtomicU64,
}

impl ScopeTotals {
    const fn new() -> Self {
        Self {
            entries: AtomicU64::new(0),
            allocations: AtomicU64::new(0),
            deallocations: AtomicU64::new(0),
            reallocations: AtomicU64::new(0),
            bytes_allocated: AtomicU64::new(0),
            bytes_freed: AtomicU64::new(0),
        }
    }
}

static TOTALS: [ScopeTotals; MAX_SCOPES] = [const { ScopeTotals::new() }; MAX_SCOPES];
static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// A registered scope. Cheap to copy; enter it with [`enter`](Self::enter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AllocScope {
    index: usize,
    name: &'static str,
}

/// Why a scope could not be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    /// [`MAX_SCOPES`] scopes are registered already.
    Full,
}

impl core::fmt::Display for ScopeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "all {MAX_SCOPES} allocation scopes are registered")
    }
}

impl std::error::Error for ScopeError {}

impl AllocScope {
    /// The scope called `name`, registered on first use. Registering allocates (once per
    /// name); do it at setup, not in a hot loop.
    pub fn register(name: &'static str) -> Result<Self, ScopeError> {
        let mut names = NAMES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(index) = names.iter().position(|known| *known == name) {
            return Ok(Self { index, name });
        }
        if names.len() >= MAX_SCOPES {
            return Err(ScopeError::Full);
        }
        names.push(name);
        Ok(Self {
            index: names.len() - 1,
            name,
        })
    }

    /// The scope's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Starts crediting the current thread's allocations to this scope until the guard
    /// drops. Nested scopes each get what happened inside them. Allocates nothing.
    #[inline]
    pub fn enter(self) -> ScopeGuard {
        ScopeGuard {
            scope: self,
            start: thread_counts(),
            _thread: PhantomData,
        }
    }

    /// What this scope has collected so far, and how many times it was entered.
    pub fn totals(&self) -> (u64, AllocCounts) {
        let totals = &TOTALS[self.index];
        (
            totals.entries.load(Relaxed),
            AllocCounts {
                allocations: totals.allocations.load(Relaxed),
                deallocations: totals.deallocations.load(Relaxed),
                reallocations: totals.reallocations.load(Relaxed),
                bytes_allocated: totals.bytes_allocated.load(Relaxed),
                bytes_freed: totals.bytes_freed.load(Relaxed),
            },
        )
    }

    /// Every registered scope, in registration order.
    pub fn all() -> Vec<AllocScope> {
        let names = NAMES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        names
            .iter()
            .enumerate()
            .map(|(index, name)| AllocScope { index, name })
            .collect()
    }
}

/// Credits the current thread's allocations to a scope while it lives.
///
/// It stays on the thread that entered the scope (it is not `Send`): dropped on another,
/// it would credit the difference of two threads' counters.
///
/// ```compile_fail
/// let guard = cohort_alloc::AllocScope::register("on one thread").unwrap().enter();
/// std::thread::spawn(move || drop(guard));
/// ```
#[must_use = "the scope ends when the guard drops"]
#[derive(Debug)]
pub struct ScopeGuard {
    scope: AllocScope,
    start: AllocCounts,
    /// Not `Send`: the counts are the entering thread's.
    _thread: PhantomData<*const ()>,
}

impl ScopeGuard {
    /// What the current thread has allocated since the scope was entered.
    pub fn so_far(&self) -> AllocCounts {
        thread_counts() - self.start
    }
}

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        let made = self.so_far();
        let totals = &TOTALS[self.scope.index];
        totals.entries.fetch_add(1, Relaxed);
        totals.allocations.fetch_add(made.allocations, Relaxed);
        totals.deallocations.fetch_add(made.deallocations, Relaxed);
        totals.reallocations.fetch_add(made.reallocations, Relaxed);
        totals
            .bytes_allocated
            .fetch_add(made.bytes_allocated, Relaxed);
        totals.bytes_freed.fetch_add(made.bytes_freed, Relaxed);
    }
}
