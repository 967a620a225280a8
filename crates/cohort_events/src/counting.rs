//! The fast path for one part of a flush: a stable counting sort by key.
//!
//! It applies when the part's keys lie in a known range of at most [`MAX_COUNT_BITS`] bits
//! (the part's range, see [`Partitioning`](crate::staging::Partitioning)) and its buffers
//! hold runs that do not go down in (source, rank) and do not overlap between runs, as
//! `par_iter` writers whose source is the entity they iterate leave them. Then reading the
//! runs in source order and counting the keys is the whole sort: one pass to count and find
//! the runs, one (in the cache) to place. Otherwise it declines and the general radix sort
//! ([`Sorter`](crate::order::Sorter)) takes the part.

use crate::order::{Buffer, Piece, Run, SortKey, order_runs_into};

/// The widest key range counted: 4,096 counters.
pub(crate) const MAX_COUNT_BITS: u32 = 12;
/// Runs a part may hold; more and the general sort takes it.
const MAX_RUNS: usize = 256;

/// Reusable buffers of the counting sort.
#[derive(Default)]
pub(crate) struct CountingSorter {
    counts: Vec<u32>,
    runs: Vec<Run>,
    /// Scratch of the runs' ordering.
    cut: Vec<Run>,
    firsts: Vec<(u64, u32)>,
}

impl CountingSorter {
    /// Room for any number of events: it keeps counters and runs only.
    pub(crate) fn reserve(&mut self) {
        self.counts.reserve(1 << MAX_COUNT_BITS);
        self.runs.reserve(MAX_RUNS);
        self.cut.reserve(MAX_RUNS);
        self.firsts.reserve(MAX_RUNS);
    }

    /// Every buffer's room, summed: it goes up exactly when one of them grew.
    pub(crate) fn footprint(&self) -> usize {
        self.counts.capacity() + self.runs.capacity() + self.cut.capacity() + self.firsts.capacity()
    }

    /// Sorts the events of `buffers`, whose keys should lie in `low..low + (1 << bits)`,
    /// by key, source and rank: calls `place(position, buffer, offset)` once for each
    /// event with its sorted position, the events in the order the buffers hold them
    /// (so a caller that moves each event to its position writes in the cache and reads
    /// the buffers straight through). Returns `None`, before any call, if the events do
    /// not allow it (a key out of the range, runs that overlap, too many runs).
    pub(crate) fn sort<T>(
        &mut self,
        buffers: &[Buffer<T>],
        key_of: impl Fn(&T) -> SortKey,
        low: u64,
        bits: u32,
        mut place: impl FnMut(usize, usize, usize),
    ) -> Option<()> {
        if bits > MAX_COUNT_BITS {
            return None;
        }
        let width = 1usize << bits;
        self.counts.clear();
        self.counts.resize(width, 0);
        self.runs.clear();
        // Count the keys and find the runs.
        for (index, buffer) in buffers.iter().enumerate() {
            let mut run: Option<Run> = None;
            for offset in 0..buffer.len() {
                // SAFETY: `offset < len`; the flush keeps the elements in place.
                let key = key_of(unsafe { buffer.get(offset) });
                let slot = key.key.wrapping_sub(low);
                if slot >= width as u64 {
                    return None;
                }
                self.counts[slot as usize] += 1;
                let order = (key.source, key.rank);
                match &mut run {
                    Some(run) if run.last <= order => {
                        run.last = order;
                        run.piece.offsets.1 = offset + 1;
                    }
                    _ => {
                        if let Some(done) = run.take() {
                            self.push_run(done)?;
                        }
                        run = Some(Run {
                            piece: Piece {
                                buffer: index,
                                offsets: (offset, offset + 1),
                            },
                            first: order,
                            last: order,
                        });
                    }
                }
            }
            if let Some(done) = run {
                self.push_run(done)?;
            }
        }
        let order_at = |buffer: usize, offset: usize| {
            // SAFETY: `offset` lies in a run, inside its buffer, still in place.
            let key = key_of(unsafe { buffers[buffer].get(offset) });
            (key.source, key.rank)
        };
        if !order_runs_into(&mut self.runs, &mut self.firsts, &mut self.cut, order_at) {
            return None;
        }
        // Each key's first position, then place the runs' events in run order.
        let mut next = 0u32;
        for count in &mut self.counts {
            let here = *count;
            *count = next;
            next += here;
        }
        for &Run {
            piece: Piece { buffer, offsets },
            ..
        } in &self.runs
        {
            for offset in offsets.0..offsets.1 {
                // SAFETY: `offset` lies in a run, inside its buffer, still in place.
                let key = key_of(unsafe { buffers[buffer].get(offset) }).key;
                let at = &mut self.counts[(key - low) as usize];
                place(*at as usize, buffer, offset);
                *at += 1;
            }
        }
        Some(())
    }

    fn push_run(&mut self, run: Run) -> Option<()> {
        if self.runs.len() == MAX_RUNS {
            return None;
        }
        self.runs.push(run);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn key(key: u64, source: u64) -> SortKey {
        SortKey {
            key,
            source,
            rank: 0,
        }
    }

    /// Sorts `buffers` of (key, source) and returns the (buffer, offset) order.
    fn sorted(buffers: &mut [Vec<(u64, u64)>], low: u64, bits: u32) -> Option<Vec<(u64, u64)>> {
        let views: Vec<_> = buffers.iter_mut().map(Buffer::of).collect();
        let mut sorter = CountingSorter::default();
        sorter.reserve();
        let mut order = vec![None; views.iter().map(Buffer::len).sum()];
        sorter.sort(
            &views,
            |&(k, s)| key(k, s),
            low,
            bits,
            |at, buffer, offset| {
                assert!(order[at].is_none(), "position {at} placed twice");
                order[at] = Some(buffers[buffer][offset]);
            },
        )?;
        Some(
            order
                .into_iter()
                .map(|event| event.expect("placed"))
                .collect(),
        )
    }

    #[test]
    fn sorts_by_key_then_source_across_runs_of_buffers() {
        // Two threads, each with two runs of rising sources (two `par_iter` batches).
        let mut buffers = vec![
            vec![(12, 0), (10, 1), (12, 1), (11, 2), (10, 20), (12, 21)],
            vec![(10, 10), (11, 10), (12, 11), (10, 30), (11, 31)],
        ];
        let mut expected: Vec<_> = buffers.concat();
        expected.sort_by_key(|&(k, s)| (k, s));
        assert_eq!(sorted(&mut buffers, 10, 2), Some(expected));
    }

    #[test]
    fn sorts_batches_that_two_threads_took_in_turns() {
        // Thread 0 ran batches 0, 2, 4 and 6 of a parallel loop, thread 1 the others:
        // each thread's buffer is one rising run, and the runs interleave in source order.
        let batch = |index: u64| (index * 10..index * 10 + 10).map(move |s| ((s * 7) % 4, s));
        let mut buffers = vec![
            [0, 2, 4, 6].into_iter().flat_map(batch).collect::<Vec<_>>(),
            [1, 3, 5, 7].into_iter().flat_map(batch).collect(),
        ];
        let mut expected: Vec<_> = buffers.concat();
        expected.sort_by_key(|&(k, s)| (k, s));
        assert_eq!(sorted(&mut buffers, 0, 2), Some(expected));
    }

    #[test]
    fn keeps_equal_ones_in_write_order() {
        let mut buffers = vec![vec![(5, 1), (5, 1), (4, 1), (5, 2)]];
        let got = sorted(&mut buffers, 4, 1).unwrap();
        assert_eq!(got, vec![(4, 1), (5, 1), (5, 1), (5, 2)]);
    }

    #[test]
    fn declines_keys_out_of_range_and_overlapping_runs() {
        assert_eq!(sorted(&mut [vec![(3, 0), (9, 1)]], 0, 3), None);
        assert_eq!(sorted(&mut [vec![(3, 0)]], 4, 3), None);
        // Source 3 in two threads: the two runs touch, and their order is not defined.
        assert_eq!(
            sorted(&mut [vec![(1, 0), (1, 3)], vec![(1, 3)]], 0, 2),
            None
        );
        assert_eq!(sorted(&mut [vec![(1, 0)]], 0, MAX_COUNT_BITS + 1), None);
    }

    proptest! {
        /// Batches of a parallel loop (rising sources, disjoint between batches) taken by
        /// threads in any order: the counting sort applies and is the stable sort by key
        /// and source.
        #[test]
        fn any_share_of_batches_sorts_as_the_standard_sort(
            batches in prop::collection::vec(
                (0usize..3, prop::collection::vec((0u64..16, 1u64..4), 1..20)),
                1..12,
            ),
        ) {
            let mut buffers = vec![Vec::new(); 3];
            let mut source = 0;
            for (thread, events) in &batches {
                for &(key, step) in events {
                    source += step;
                    buffers[*thread].push((100 + key, source));
                }
            }
            let mut expected: Vec<_> = buffers.concat();
            expected.sort_by_key(|&(k, s)| (k, s));
            prop_assert_eq!(sorted(&mut buffers, 100, 4), Some(expected));
        }
    }
}
