//! Passes over every entity of a query as plain slices, table by table, split between the
//! compute threads in one scope with the tasks Bevy's `par_iter` would spawn (so the same
//! allocations, which the profiler counts as floor,
//! [`ParIterSystems`](crate::ParIterSystems)); each task takes chunks of rows until none
//! is left, so a thread that starts late leaves its share to the others.
//!
//! For passes that read a flag or a change tick of every entity and write few of them.
//! Through `par_iter`, Bevy builds every entity's item (for each `Mut`, a pointer and two
//! tick pointers) before the flag is read, and that costs more than the reading; over
//! slices (Bevy 0.19's `Query::contiguous_iter_mut`), passing an entity over is one load
//! and a test.
//!
//! A query of one component is a table of one [`Column`]; a pass is a [`Batch`]:
//!
//! ```
//! use bevy::prelude::*;
//! use cohort_sim::table_batches::{Batch, Column, Rows, Written, for_each_batch};
//!
//! #[derive(Component)]
//! struct Fuse(u32);
//!
//! /// Counts every lit fuse down; an unlit one (0) is read and left unchanged.
//! struct Burn;
//!
//! impl<'w> Batch<Column<'w, Fuse>> for Burn {
//!     fn run<'a>(&self, mut fuses: Written<'a, Fuse>)
//!     where
//!         Column<'w, Fuse>: 'a,
//!     {
//!         for row in 0..fuses.len() {
//!             if fuses.get(row).0 > 0 {
//!                 fuses.get_mut(row).0 -= 1;
//!             }
//!         }
//!     }
//! }
//!
//! fn burn(mut fuses: Query<&mut Fuse>) {
//!     // An error only for components stored in sparse sets.
//!     let Ok(tables) = fuses.contiguous_iter_mut() else {
//!         return;
//!     };
//!     for_each_batch(tables.map(Column::from), true, &Burn);
//! }
//!
//! let mut app = App::new();
//! app.add_plugins(MinimalPlugins).add_systems(Update, burn);
//! app.world_mut().spawn_batch([Fuse(2), Fuse(0), Fuse(1)]);
//! app.update();
//! let mut fuses = app.world_mut().query::<&Fuse>();
//! let mut left: Vec<u32> = fuses.iter(app.world()).map(|fuse| fuse.0).collect();
//! left.sort_unstable();
//! assert_eq!(left, [0, 0, 1]);
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use bevy::ecs::change_detection::{ContiguousComponentTicksMut, ContiguousMut, Tick};
use bevy::tasks::ComputeTaskPool;

/// Tables lent out to one scope at most; a world with more (the agents' archetypes
/// would have to differ in sixteen ways) takes one more scope for each further sixteen.
const TABLES_PER_SCOPE: usize = 16;

/// A run of one table's rows that can be cut in two and handed to another thread.
pub trait Rows: Send + Sized {
    /// The rows in this run.
    fn len(&self) -> usize;
    /// True with no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The first `mid` rows and the rest.
    fn split_at(self, mid: usize) -> (Self, Self);
}

/// One table's slices, owned while their rows are lent out (Bevy hands a component's
/// values and change ticks out together, and the rows borrow both).
pub trait Table: Send {
    /// The table's rows, borrowed from it.
    type Rows<'a>: Rows
    where
        Self: 'a;
    /// The table's rows.
    fn len(&self) -> usize;
    /// True with no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// All of the table's rows, lent out.
    fn rows(&mut self) -> Self::Rows<'_>;
}

/// What a pass does with one batch of a table's rows, on whichever thread takes it.
pub trait Batch<T: Table>: Sync {
    /// Does the pass's work on `rows`.
    fn run<'a>(&self, rows: T::Rows<'a>)
    where
        T: 'a;
}

/// Each task's share of rows is cut into this many chunks, which any task may take.
const CHUNKS_PER_TASK: usize = 8;

/// Chunks in one scope at most: a scope's rows over this many, plus one per table for
/// the rounding.
const MAX_CHUNKS: usize = 64 + TABLES_PER_SCOPE;

/// Chunks smaller than this many rows are not worth a claim of their own.
const MIN_CHUNK_ROWS: usize = 256;

/// Runs `work` on batches of every table's rows: on the compute threads when `parallel`
/// and there are two or more of them, else on this thread, one batch per table.
///
/// In parallel it spawns the tasks `par_iter` would (the same allocations), but each
/// task takes chunks of rows from a shared list until none is left, rather than one
/// fixed batch: when a thread is slow to start or is preempted (a machine shared with
/// other work), the others take its chunks instead of waiting for it.
pub fn for_each_batch<T: Table>(
    tables: impl Iterator<Item = T>,
    parallel: bool,
    work: &impl Batch<T>,
) {
    let pool = ComputeTaskPool::try_get().filter(|pool| parallel && pool.thread_num() > 1);
    let Some(pool) = pool else {
        for mut table in tables {
            work.run(table.rows());
        }
        return;
    };
    let mut tables = tables.peekable();
    while tables.peek().is_some() {
        let mut held: [Option<T>; TABLES_PER_SCOPE] = [const { None }; TABLES_PER_SCOPE];
        for (slot, table) in held.iter_mut().zip(&mut tables) {
            *slot = Some(table);
        }
        let largest = held.iter().flatten().map(Table::len).max().unwrap_or(0);
        let total: usize = held.iter().flatten().map(Table::len).sum();
        let batch = largest.div_ceil(pool.thread_num()).max(1);
        let tasks: usize = held.iter().flatten().map(|t| t.len().div_ceil(batch)).sum();
        let chunk = (batch / CHUNKS_PER_TASK)
            .max(MIN_CHUNK_ROWS)
            .max(total.div_ceil(MAX_CHUNKS - TABLES_PER_SCOPE));
        let mut cut: [Option<T::Rows<'_>>; MAX_CHUNKS] = std::array::from_fn(|_| None);
        let mut count = 0;
        for table in held.iter_mut().flatten() {
            let mut rows = table.rows();
            while !rows.is_empty() {
                let size = chunk.min(rows.len());
                let (first, rest) = rows.split_at(size);
                rows = rest;
                // The chunk size keeps the count within the list; rows past it (never)
                // would be worked here rather than dropped.
                match cut.get_mut(count) {
                    Some(slot) => *slot = Some(first),
                    None => work.run(first),
                }
                count += 1;
            }
        }
        let count = count.min(MAX_CHUNKS);
        let chunks = cut.map(Mutex::new);
        let next = AtomicUsize::new(0);
        let (chunks, next) = (&chunks[..count], &next);
        pool.scope(|scope| {
            for _ in 0..tasks.min(count) {
                scope.spawn(async move {
                    while let Some(slot) = chunks.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let taken = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
                        if let Some(rows) = taken {
                            work.run(rows);
                        }
                    }
                });
            }
        });
    }
}

/// One component's rows, written in place: [`Written::get_mut`] stamps the row's
/// changed tick as a `Mut` would. (With Bevy's `track_location` feature, the location
/// of the change is not recorded.)
pub struct Written<'a, T> {
    values: &'a mut [T],
    changed: &'a mut [Tick],
    this_run: Tick,
}

impl<'a, T> Written<'a, T> {
    /// A component's `values` and their `changed` ticks (as long as each other), written
    /// at `this_run`.
    pub fn new(values: &'a mut [T], changed: &'a mut [Tick], this_run: Tick) -> Self {
        debug_assert_eq!(values.len(), changed.len());
        Self {
            values,
            changed,
            this_run,
        }
    }

    /// Row `row` for reading.
    #[inline]
    pub fn get(&self, row: usize) -> &T {
        &self.values[row]
    }

    /// True if row `row` changed after `last_run` (as `Ref::is_changed` says for a system
    /// that last ran then).
    #[inline]
    pub fn is_changed_since(&self, row: usize, last_run: Tick) -> bool {
        self.changed[row].is_newer_than(last_run, self.this_run)
    }

    /// Asks for row `row` and its changed tick ahead of a write (see [`prefetch`]); a
    /// row past the end asks for nothing.
    #[inline(always)]
    pub fn prefetch(&self, row: usize) {
        if let (Some(value), Some(changed)) = (self.values.get(row), self.changed.get(row)) {
            prefetch(value);
            prefetch(changed);
        }
    }

    /// Row `row` for writing, marked changed.
    #[inline]
    pub fn get_mut(&mut self, row: usize) -> &mut T {
        self.changed[row] = self.this_run;
        &mut self.values[row]
    }
}

impl<T: Send> Rows for Written<'_, T> {
    fn len(&self) -> usize {
        self.values.len()
    }

    fn split_at(self, mid: usize) -> (Self, Self) {
        let (values, rest) = self.values.split_at_mut(mid);
        let (changed, changed_rest) = self.changed.split_at_mut(mid);
        (
            Self::new(values, changed, self.this_run),
            Self::new(rest, changed_rest, self.this_run),
        )
    }
}

/// One component's column of one table, as `contiguous_iter_mut` gives it; its rows are
/// [`Written`]. A query of `&mut T` alone is a table of one column.
pub struct Column<'w, T> {
    values: &'w mut [T],
    ticks: ContiguousComponentTicksMut<'w>,
}

impl<'w, T> From<ContiguousMut<'w, T>> for Column<'w, T> {
    fn from(column: ContiguousMut<'w, T>) -> Self {
        let (values, ticks) = ContiguousMut::bypass_change_detection_split(column);
        Self { values, ticks }
    }
}

impl<T> Column<'_, T> {
    /// The column's rows, lent out (a multi-column table's `rows` builds on this).
    pub fn written(&mut self) -> Written<'_, T> {
        let this_run = self.ticks.this_run();
        Written::new(self.values, self.ticks.changed_mut(), this_run)
    }
}

impl<T: Send> Table for Column<'_, T> {
    type Rows<'a>
        = Written<'a, T>
    where
        Self: 'a;

    fn len(&self) -> usize {
        self.values.len()
    }

    fn rows(&mut self) -> Written<'_, T> {
        self.written()
    }
}

/// Asks for the cache line of `value`: a hint, which reads nothing into the program.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch cannot fault, and `value` is a valid reference anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use bevy::tasks::TaskPoolBuilder;

    use super::*;

    struct Counts<'a>(&'a mut [u32]);

    impl Rows for Counts<'_> {
        fn len(&self) -> usize {
            self.0.len()
        }

        fn split_at(self, mid: usize) -> (Self, Self) {
            let (first, rest) = self.0.split_at_mut(mid);
            (Counts(first), Counts(rest))
        }
    }

    impl Table for Counts<'_> {
        type Rows<'a>
            = Counts<'a>
        where
            Self: 'a;

        fn len(&self) -> usize {
            self.0.len()
        }

        fn rows(&mut self) -> Counts<'_> {
            Counts(self.0)
        }
    }

    /// Adds one to every row it is given, and counts its batches.
    #[derive(Default)]
    struct Visit(AtomicUsize);

    impl<'w> Batch<Counts<'w>> for Visit {
        fn run<'a>(&self, rows: Counts<'a>)
        where
            Counts<'w>: 'a,
        {
            self.0.fetch_add(1, Ordering::Relaxed);
            for row in rows.0 {
                *row += 1;
            }
        }
    }

    #[test]
    fn every_row_of_every_table_is_visited_once() {
        let threads =
            ComputeTaskPool::get_or_init(|| TaskPoolBuilder::new().num_threads(2).build())
                .thread_num();
        // More tables than one scope takes, one of them empty.
        let mut tables: Vec<Vec<u32>> = (0..20).map(|index| vec![0; index * 7 % 33]).collect();
        for parallel in [false, true] {
            let visit = Visit::default();
            for_each_batch(
                tables.iter_mut().map(|rows| Counts(rows.as_mut_slice())),
                parallel,
                &visit,
            );
            let batches = visit.0.into_inner();
            let filled = tables.iter().filter(|rows| !rows.is_empty()).count();
            if parallel && threads > 1 {
                // Tables this small are one chunk each.
                assert_eq!(batches, filled);
            } else {
                assert_eq!(batches, tables.len(), "one batch a table");
            }
        }
        assert!(
            tables.iter().flatten().all(|&row| row == 2),
            "each of the two runs visited every row once"
        );
    }

    #[test]
    fn a_large_table_is_cut_into_more_chunks_than_tasks() {
        let threads =
            ComputeTaskPool::get_or_init(|| TaskPoolBuilder::new().num_threads(2).build())
                .thread_num();
        let mut rows = vec![0u32; 20_000];
        let visit = Visit::default();
        for_each_batch(std::iter::once(Counts(rows.as_mut_slice())), true, &visit);
        assert!(rows.iter().all(|&row| row == 1), "every row once");
        let chunks = visit.0.into_inner();
        if threads > 1 {
            // Each task's share in `CHUNKS_PER_TASK` chunks (of at least `MIN_CHUNK_ROWS`):
            // a task that finishes early takes another's.
            let share = rows.len().div_ceil(threads);
            let chunk = (share / CHUNKS_PER_TASK).max(MIN_CHUNK_ROWS);
            assert_eq!(chunks, rows.len().div_ceil(chunk));
            assert!(chunks > threads);
        } else {
            assert_eq!(chunks, 1);
        }
    }

    #[test]
    fn writing_a_row_marks_only_that_row_changed() {
        let mut values = [1, 2, 3, 4];
        let mut changed = [Tick::new(1); 4];
        let written = Written::new(&mut values, &mut changed, Tick::new(9));
        let (mut first, mut rest) = written.split_at(1);
        assert_eq!(*first.get(0), 1);
        *rest.get_mut(1) = 30;
        assert_eq!(*rest.get(1), 30);
        *first.get_mut(0) += 10;
        assert_eq!(values, [11, 2, 30, 4]);
        assert_eq!(changed.map(|tick| tick.get()), [9, 1, 9, 1]);
    }

    #[test]
    fn a_row_is_changed_since_a_run_only_if_written_after_it() {
        let mut values = [0u8; 3];
        let mut changed = [Tick::new(2), Tick::new(5), Tick::new(8)];
        let mut written = Written::new(&mut values, &mut changed, Tick::new(10));
        let last_run = Tick::new(5);
        let seen = |written: &Written<'_, u8>| {
            (0..3)
                .map(|row| written.is_changed_since(row, last_run))
                .collect::<Vec<_>>()
        };
        assert_eq!(seen(&written), [false, false, true]);
        *written.get_mut(0) = 1;
        assert_eq!(seen(&written), [true, false, true]);
    }
}
