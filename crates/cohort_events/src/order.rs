//! The flush's general ordering, for a part that the counting sort
//! ([`counting`](crate::counting)) declines: a stable radix sort of (key, source, writer
//! rank) over the bits that differ between events, read straight from the per-thread
//! buffers (no gather).
//!
//! Each event becomes one `u64`: its differing sort bits above its place (which buffer,
//! where in it). When that fits in a word (entity keys and sources do), the sort is an
//! MSD pass on the top bits followed by LSD passes inside each top bucket, so that (from
//! a configured size) every step can run on the compute pool with disjoint output ranges:
//!
//! 1. each task finds which bits differ in its share of the events;
//! 2. each task packs its share and counts its top digits;
//! 3. each task scatters its share into its top buckets, at offsets that the counts of
//!    the tasks before it fix (so the result is the same for any number of tasks);
//! 4. each task sorts a run of whole top buckets by the low bits, in the cache, and hands
//!    its finished, contiguous range of the batch to the caller.
//!
//! When the buffers hold runs that do not go down in (source, rank) and do not overlap
//! (as `par_iter` writers whose source is the entity they iterate write them), the runs
//! are read in source order and only the key's bits are sorted.
//!
//! Otherwise (keys that differ in more bits than a word holds) the three words are sorted
//! serially by an LSD radix sort. Either way the order is that of a stable sort by key,
//! source and rank, equal ones as the buffers hold them, buffer after buffer; it depends
//! neither on the number of tasks nor on which took what. Buffers keep their capacity.

use std::ops::Range;

use bevy::tasks::TaskPool;

/// What an event is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SortKey {
    pub key: u64,
    pub source: u64,
    pub rank: u32,
}

impl SortKey {
    /// The three words, most significant first.
    fn words(self) -> [u64; 3] {
        [self.key, self.source, u64::from(self.rank)]
    }
}

/// Events below which a parallel reader runs on its own thread: waking the pool costs
/// more.
pub(crate) const PARALLEL_CROSSOVER: usize = 16 * 1024;

/// Events per top bucket the MSD pass aims at: a bucket's LSD passes stay in the cache.
const BUCKET_TARGET: usize = 512;
/// The most top bits: 2,048 counters per task.
const MAX_TOP_BITS: u32 = 11;
/// Bits per LSD pass inside a bucket: 256 counters on the stack.
const LOW_DIGIT_BITS: u32 = 8;
/// Buckets this short are sorted by insertion.
const INSERTION_MAX: usize = 24;

/// A per-thread buffer as the sort and the delivery see it.
pub(crate) struct Buffer<T> {
    ptr: *mut T,
    len: usize,
}

impl<T> Clone for Buffer<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Buffer<T> {}

// SAFETY: a `Buffer` is a view of a slice that the flush holds exclusively (through
// `ResMut` of the staging) for as long as it uses the view; tasks only read through it,
// except that each element is moved out (`ptr::read`) by exactly one task.
unsafe impl<T: Send> Send for Buffer<T> {}
// SAFETY: as above; shared use reads only.
unsafe impl<T: Send> Sync for Buffer<T> {}

impl<T> Buffer<T> {
    /// A view of `buffer`'s elements. The caller must keep the elements where they are,
    /// and not touch them otherwise, for as long as it uses the view.
    pub(crate) fn of(buffer: &mut Vec<T>) -> Self {
        Self {
            ptr: buffer.as_mut_ptr(),
            len: buffer.len(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// # Safety
    /// `offset < len`, the element is still there (not moved out), and the view's
    /// contract holds.
    #[inline]
    pub(crate) unsafe fn get(&self, offset: usize) -> &T {
        debug_assert!(offset < self.len);
        // SAFETY: the caller's promise.
        unsafe { &*self.ptr.add(offset) }
    }

    /// Moves the element at `offset` out.
    ///
    /// # Safety
    /// As [`get`](Self::get), and no one reads or moves this element afterwards.
    #[inline]
    pub(crate) unsafe fn take(&self, offset: usize) -> T {
        debug_assert!(offset < self.len);
        // SAFETY: the caller's promise.
        unsafe { std::ptr::read(self.ptr.add(offset)) }
    }
}

/// How an event's place (buffer and offset) sits in the low bits of its sorted word.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Places {
    offset_bits: u32,
    bits: u32,
}

impl Places {
    fn new(buffers: &[usize]) -> Self {
        let longest = buffers.iter().copied().max().unwrap_or(0);
        let offset_bits = bits_for(longest.saturating_sub(1) as u64);
        let buffer_bits = bits_for(buffers.len().saturating_sub(1) as u64);
        Self {
            offset_bits,
            bits: offset_bits + buffer_bits,
        }
    }

    #[inline]
    fn encode(self, buffer: usize, offset: usize) -> u64 {
        ((buffer as u64) << self.offset_bits) | offset as u64
    }

    /// The buffer and the offset in it of the event sorted into `word`.
    #[inline]
    pub(crate) fn decode(self, word: u64) -> (usize, usize) {
        let place = word & low_mask(self.bits);
        (
            (place >> self.offset_bits) as usize,
            (place & low_mask(self.offset_bits)) as usize,
        )
    }
}

/// Bits needed to write `value` (0 for 0).
fn bits_for(value: u64) -> u32 {
    64 - value.leading_zeros()
}

/// The lowest `bits` bits set.
#[inline]
fn low_mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// Where the differing bits of one word lie: the lowest and how many.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    low: u32,
    width: u32,
}

impl Span {
    fn of(any: u64, all: u64) -> Self {
        let differ = any ^ all;
        if differ == 0 {
            return Self::default();
        }
        let low = differ.trailing_zeros();
        Self {
            low,
            width: 64 - differ.leading_zeros() - low,
        }
    }

    /// The differing bits of `word`, at the bottom. Bits outside the span are the same in
    /// every item, so comparing these compares the words.
    #[inline]
    fn take(self, word: u64) -> u64 {
        (word.checked_shr(self.low).unwrap_or(0)) & low_mask(self.width)
    }
}

/// Which bits of each word differ between the events of one task's share.
#[derive(Clone, Copy)]
struct Bits {
    any: [u64; 3],
    all: [u64; 3],
}

impl Default for Bits {
    fn default() -> Self {
        Self {
            any: [0; 3],
            all: [u64::MAX; 3],
        }
    }
}

/// The packing of the sort key's differing bits into one word, above the place.
#[derive(Clone, Copy)]
struct Packing {
    spans: [Span; 3],
    places: Places,
}

impl Packing {
    #[inline]
    fn pack(&self, key: SortKey, place: u64) -> u64 {
        let [key_span, source, rank] = self.spans;
        let words = key.words();
        let value = key_span
            .take(words[0])
            .checked_shl(source.width + rank.width)
            .unwrap_or(0)
            | source.take(words[1]).checked_shl(rank.width).unwrap_or(0)
            | rank.take(words[2]);
        value.checked_shl(self.places.bits).unwrap_or(0) | place
    }
}

/// An event's whole sort key and its place, when the differing bits do not fit in a word.
#[derive(Debug, Clone, Copy, Default)]
struct Wide {
    words: [u64; 3],
    place: u64,
}

/// One pass of the wide sort: which word, and where in it.
#[derive(Debug, Clone, Copy)]
struct Digit {
    word: usize,
    shift: u32,
}

/// Bits per pass of the wide sort: 2,048 counters fit in the first-level cache.
const WIDE_DIGIT_BITS: u32 = 11;
const WIDE_BUCKETS: usize = 1 << WIDE_DIGIT_BITS;
/// The most digits a wide sort can have: three words of six 11-bit digits.
const MAX_WIDE_DIGITS: usize = 3 * 64usize.div_ceil(WIDE_DIGIT_BITS as usize);

impl Digit {
    #[inline]
    fn of(self, item: &Wide) -> usize {
        ((item.words[self.word] >> self.shift) as usize) & (WIDE_BUCKETS - 1)
    }
}

/// A raw pointer to memory that tasks write at disjoint places.
pub(crate) struct Shared<T>(*mut T);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Shared<T> {}

// SAFETY: tasks write through it only at places no other task reads or writes.
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    pub(crate) fn new(slice: &mut [T]) -> Self {
        Self(slice.as_mut_ptr())
    }

    /// A pointer to the start of `vec`'s allocation, spare capacity included.
    pub(crate) fn spare(vec: &mut Vec<T>) -> Self {
        Self(vec.as_mut_ptr())
    }

    /// The element at `index`.
    ///
    /// # Safety
    /// `index` lies inside the allocation this was made from.
    #[inline]
    pub(crate) unsafe fn at(&self, index: usize) -> *mut T {
        // SAFETY: the caller's promise.
        unsafe { self.0.add(index) }
    }

    /// # Safety
    /// `range` lies inside the slice this was made from, and while the returned slice
    /// lives no one else touches that range.
    #[inline]
    #[expect(
        clippy::mut_from_ref,
        reason = "disjoint ranges, promised by the caller"
    )]
    unsafe fn range(&self, range: Range<usize>) -> &mut [T] {
        // SAFETY: the caller's promise.
        unsafe { std::slice::from_raw_parts_mut(self.0.add(range.start), range.len()) }
    }
}

/// Runs `task(0..tasks)`, on the pool when there is more than one.
pub(crate) fn run_tasks(pool: Option<&TaskPool>, tasks: usize, task: impl Fn(usize) + Sync) {
    match pool {
        Some(pool) if tasks > 1 => {
            let task = &task;
            pool.scope(|scope| {
                for index in 1..tasks {
                    scope.spawn(async move { task(index) });
                }
                // This thread takes the first share itself.
                task(0);
            });
        }
        _ => (0..tasks).for_each(task),
    }
}

/// The share of `0..len` of task `index` of `tasks`.
fn share(len: usize, tasks: usize, index: usize) -> Range<usize> {
    len * index / tasks..len * (index + 1) / tasks
}

/// A stretch of one buffer: the sort reads the buffers as pieces end to end.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Piece {
    pub buffer: usize,
    pub offsets: (usize, usize),
}

/// A stretch of one buffer whose events do not go down in (source, rank).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Run {
    pub piece: Piece,
    pub first: (u64, u32),
    pub last: (u64, u32),
}

/// Cuts each of `runs` where another starts (a thread that took two batches of a
/// parallel loop holds them as one run, with another thread's batch between them in
/// source order), again until no piece has another's start inside it, and sorts the
/// pieces, left in `runs`, by their first (source, rank). `order_at(buffer, offset)` is
/// an event's (source, rank); `firsts` and `cut` are scratch. Returns whether the pieces
/// follow one another without overlapping (nor touching: equal ones in two pieces would
/// have to keep the buffers' order), so that reading them in order reads the events in
/// (source, rank) order; `false` too when `cut` would outgrow its capacity.
pub(crate) fn order_runs_into(
    runs: &mut Vec<Run>,
    firsts: &mut Vec<(u64, u32)>,
    cut: &mut Vec<Run>,
    order_at: impl Fn(usize, usize) -> (u64, u32),
) -> bool {
    loop {
        firsts.clear();
        firsts.extend(runs.iter().map(|run| run.first));
        firsts.sort_unstable();
        cut.clear();
        for run in runs.iter() {
            let buffer = run.piece.buffer;
            let mut piece = *run;
            let inside = firsts.partition_point(|&first| first <= run.first);
            for &at in firsts[inside..]
                .iter()
                .take_while(|&&first| first <= run.last)
            {
                // The first event at or past `at`: not the piece's first (that is below
                // `at`), nor past its last (that is at or past `at`).
                let (start, end) = piece.piece.offsets;
                let split =
                    start + partition(end - start, |index| order_at(buffer, start + index) < at);
                if cut.len() == cut.capacity() {
                    return false;
                }
                cut.push(Run {
                    piece: Piece {
                        buffer,
                        offsets: (start, split),
                    },
                    first: piece.first,
                    last: order_at(buffer, split - 1),
                });
                piece.piece.offsets.0 = split;
                piece.first = order_at(buffer, split);
            }
            if cut.len() == cut.capacity() {
                return false;
            }
            cut.push(piece);
        }
        let settled = cut.len() == runs.len();
        std::mem::swap(runs, cut);
        if settled {
            break;
        }
    }
    runs.sort_unstable_by_key(|run| run.first);
    runs.windows(2).all(|pair| pair[0].last < pair[1].first)
}

/// Runs one task of the first step may record before it gives up on them.
const MAX_RUNS_PER_TASK: usize = 64;

/// The pieces end to end: calls `visit(position, buffer, offset, element)` for each
/// element at `positions` of the concatenation, whose piece `p` starts at `starts[p]`.
#[inline]
fn visit<T>(
    buffers: &[Buffer<T>],
    pieces: &[Piece],
    starts: &[usize],
    positions: Range<usize>,
    mut visit: impl FnMut(usize, usize, usize, &T),
) {
    let mut piece = starts.partition_point(|&start| start <= positions.start) - 1;
    let mut position = positions.start;
    while position < positions.end {
        let end = starts[piece + 1].min(positions.end);
        let Piece { buffer, offsets } = pieces[piece];
        let first = offsets.0 + position - starts[piece];
        for offset in first..first + (end - position) {
            // SAFETY: `offset` lies in the piece, inside its buffer, and the flush keeps
            // the elements in place until the sort has returned.
            let element = unsafe { buffers[buffer].get(offset) };
            visit(position + offset - first, buffer, offset, element);
        }
        position = end;
        piece += 1;
    }
}

/// Reusable sort buffers.
#[derive(Default)]
pub(crate) struct Sorter {
    items: Vec<u64>,
    spare: Vec<u64>,
    /// Per task, its top-digit counts, then its scatter offsets.
    counts: Vec<u32>,
    /// Where each top bucket starts, and the end.
    bucket_starts: Vec<usize>,
    /// The pieces read in order, where each starts in the concatenation, and the end.
    pieces: Vec<Piece>,
    starts: Vec<usize>,
    lengths: Vec<usize>,
    bits: Vec<Bits>,
    /// Per task, its runs, how many and whether there were too many.
    task_runs: Vec<Run>,
    run_counts: Vec<usize>,
    runs: Vec<Run>,
    firsts: Vec<(u64, u32)>,
    /// Whether the last sort read runs by key only (for tests).
    #[cfg(test)]
    by_key_only: bool,
    wide: Vec<Wide>,
    wide_spare: Vec<Wide>,
    wide_counts: Vec<u32>,
    digits: Vec<Digit>,
}

impl Sorter {
    /// Room for `capacity` events from up to `buffers` buffers, sorted by up to `tasks`
    /// tasks, on either path, so that no flush allocates however late its first event
    /// comes or whichever path it takes.
    pub(crate) fn reserve(&mut self, capacity: usize, buffers: usize, tasks: usize) {
        self.items.reserve(capacity);
        self.spare.reserve(capacity);
        self.wide.reserve(capacity);
        self.wide_spare.reserve(capacity);
        self.counts.reserve(tasks << MAX_TOP_BITS);
        self.bucket_starts.reserve((1 << MAX_TOP_BITS) + 1);
        let pieces = (tasks * MAX_RUNS_PER_TASK).max(buffers);
        self.pieces.reserve(pieces);
        self.starts.reserve(pieces + 1);
        self.lengths.reserve(buffers);
        self.bits.reserve(tasks);
        self.task_runs.reserve(tasks * MAX_RUNS_PER_TASK);
        self.run_counts.reserve(tasks);
        self.runs.reserve(tasks * MAX_RUNS_PER_TASK);
        self.firsts.reserve(tasks * MAX_RUNS_PER_TASK);
        self.wide_counts.reserve(MAX_WIDE_DIGITS * WIDE_BUCKETS);
        self.digits.reserve(MAX_WIDE_DIGITS);
    }

    /// Every buffer's room, summed: buffers never shrink, so this goes up exactly when
    /// one of them grew.
    pub(crate) fn footprint(&self) -> usize {
        self.items.capacity()
            + self.spare.capacity()
            + self.counts.capacity()
            + self.bucket_starts.capacity()
            + self.pieces.capacity()
            + self.starts.capacity()
            + self.lengths.capacity()
            + self.bits.capacity()
            + self.task_runs.capacity()
            + self.run_counts.capacity()
            + self.runs.capacity()
            + self.firsts.capacity()
            + self.wide.capacity()
            + self.wide_spare.capacity()
            + self.wide_counts.capacity()
            + self.digits.capacity()
    }

    /// Sorts the events of `buffers` by key, then source, then rank, equal ones as the
    /// buffers hold them, and hands the order over in contiguous ranges:
    /// `deliver(range, words, places)` gets the sorted positions `range` as words whose
    /// event `places.decode(word)` finds, once per task, and its results land in
    /// `results`, by task (in range order). With `keep_keys_together`, a run of equal keys
    /// is never split between two ranges.
    ///
    /// Tasks run on `pool` (if any) when there are at least `crossover` events.
    #[allow(clippy::too_many_arguments, reason = "one call site, each part needed")]
    pub(crate) fn sort<T: Send, R: Default + Send>(
        &mut self,
        buffers: &[Buffer<T>],
        key_of: impl Fn(&T) -> SortKey + Sync,
        pool: Option<&TaskPool>,
        crossover: usize,
        keep_keys_together: bool,
        results: &mut Vec<R>,
        deliver: impl Fn(Range<usize>, &[u64], Places) -> R + Sync,
    ) {
        self.lengths.clear();
        self.lengths.extend(buffers.iter().map(Buffer::len));
        self.pieces.clear();
        self.pieces
            .extend(self.lengths.iter().enumerate().map(|(buffer, &len)| Piece {
                buffer,
                offsets: (0, len),
            }));
        self.set_starts();
        let len = *self.starts.last().unwrap_or(&0);
        assert!(
            u32::try_from(len).is_ok(),
            "a batch holds at most u32::MAX events"
        );
        results.clear();
        if len == 0 {
            return;
        }
        let threads = pool.map_or(1, TaskPool::thread_num).max(1);
        let tasks = if len >= crossover { threads } else { 1 };
        let (pieces, starts) = (&self.pieces[..], &self.starts[..]);

        // 1. The bits that differ, and the runs that do not go down in (source, rank),
        // share by share.
        self.bits.clear();
        self.bits.resize(tasks, Bits::default());
        self.task_runs.clear();
        self.task_runs
            .resize(tasks * MAX_RUNS_PER_TASK, Run::default());
        self.run_counts.clear();
        self.run_counts.resize(tasks, 0);
        let bits = Shared::new(&mut self.bits);
        let task_runs = Shared::new(&mut self.task_runs);
        let run_counts = Shared::new(&mut self.run_counts);
        run_tasks(pool, tasks, |task| {
            let mut mine = Bits::default();
            // SAFETY: each task writes its own slots.
            let runs = unsafe {
                task_runs.range(task * MAX_RUNS_PER_TASK..(task + 1) * MAX_RUNS_PER_TASK)
            };
            let mut count = 0;
            let mut run: Option<Run> = None;
            visit(
                buffers,
                pieces,
                starts,
                share(len, tasks, task),
                |_, buffer, offset, element| {
                    let sort_key = key_of(element);
                    for (word, value) in sort_key.words().into_iter().enumerate() {
                        mine.any[word] |= value;
                        mine.all[word] &= value;
                    }
                    let order = (sort_key.source, sort_key.rank);
                    match &mut run {
                        Some(run) if run.piece.buffer == buffer && run.last <= order => {
                            run.last = order;
                            run.piece.offsets.1 = offset + 1;
                        }
                        _ => {
                            if let Some(done) = run.take() {
                                if count < MAX_RUNS_PER_TASK {
                                    runs[count] = done;
                                }
                                count += 1;
                            }
                            run = Some(Run {
                                piece: Piece {
                                    buffer,
                                    offsets: (offset, offset + 1),
                                },
                                first: order,
                                last: order,
                            });
                        }
                    }
                },
            );
            if let Some(done) = run {
                if count < MAX_RUNS_PER_TASK {
                    runs[count] = done;
                }
                count += 1;
            }
            // SAFETY: each task writes its own slots.
            unsafe {
                *bits.at(task) = mine;
                *run_counts.at(task) = count;
            }
        });
        let mut all = Bits::default();
        for share in &self.bits {
            for word in 0..3 {
                all.any[word] |= share.any[word];
                all.all[word] &= share.all[word];
            }
        }
        let mut spans = [0, 1, 2].map(|word| Span::of(all.any[word], all.all[word]));
        let places = Places::new(&self.lengths);
        // Runs in (source, rank) order that do not overlap make the input already
        // sorted by source and rank: the sort then needs the key's bits only.
        let by_key_only = spans[1].width + spans[2].width > 0 && self.order_runs(buffers, &key_of);
        #[cfg(test)]
        {
            self.by_key_only = by_key_only;
        }
        if by_key_only {
            spans[1] = Span::default();
            spans[2] = Span::default();
            self.pieces.clear();
            self.pieces.extend(self.runs.iter().map(|run| run.piece));
            self.set_starts();
        }
        let (pieces, starts) = (&self.pieces[..], &self.starts[..]);
        let value_bits: u32 = spans.iter().map(|span| span.width).sum();
        if value_bits + places.bits > 64 {
            self.sort_wide(buffers, &key_of, spans, places);
            results.push(deliver(0..len, &self.items, places));
            return;
        }
        let packing = Packing { spans, places };

        // 2. Pack, and count the top digits of each share.
        let wanted = bits_for((len / BUCKET_TARGET) as u64).min(MAX_TOP_BITS);
        let top_bits = if keep_keys_together {
            wanted.min(spans[0].width)
        } else {
            wanted
        }
        .min(value_bits);
        let low_bits = value_bits - top_bits;
        let top_shift = places.bits + low_bits;
        let buckets = 1usize << top_bits;
        let top =
            move |word: u64| (word.checked_shr(top_shift).unwrap_or(0) as usize) & (buckets - 1);
        self.items.clear();
        self.items.resize(len, 0);
        self.counts.clear();
        self.counts.resize(tasks * buckets, 0);
        let items = Shared::new(&mut self.items);
        let counts = Shared::new(&mut self.counts);
        run_tasks(pool, tasks, |task| {
            let positions = share(len, tasks, task);
            // SAFETY: each task writes its own share and its own counters.
            let (mine, counts) = unsafe {
                (
                    items.range(positions.clone()),
                    counts.range(task * buckets..(task + 1) * buckets),
                )
            };
            let first = positions.start;
            visit(
                buffers,
                pieces,
                starts,
                positions,
                |position, buffer, offset, element| {
                    let word = packing.pack(key_of(element), places.encode(buffer, offset));
                    mine[position - first] = word;
                    counts[top(word)] += 1;
                },
            );
        });

        // Each task's offset in each bucket: the bucket's start, then the shares before.
        self.bucket_starts.clear();
        let mut next = 0u32;
        for bucket in 0..buckets {
            self.bucket_starts.push(next as usize);
            for task in 0..tasks {
                let count = &mut self.counts[task * buckets + bucket];
                let here = *count;
                *count = next;
                next += here;
            }
        }
        self.bucket_starts.push(len);

        // 3. Scatter each share into the top buckets.
        self.spare.clear();
        self.spare.resize(len, 0);
        let spare = Shared::new(&mut self.spare);
        let items = &self.items[..];
        let counts = Shared::new(&mut self.counts);
        if buckets == 1 {
            self.spare.copy_from_slice(items);
        } else {
            run_tasks(pool, tasks, |task| {
                // SAFETY: each task takes its own counters; the offsets they hold are
                // disjoint between tasks by construction (each task's run in each bucket).
                let counts = unsafe { counts.range(task * buckets..(task + 1) * buckets) };
                for &word in &items[share(len, tasks, task)] {
                    let at = &mut counts[top(word)];
                    // SAFETY: `*at` is in this task's run of the bucket, inside `0..len`.
                    unsafe { *spare.at(*at as usize) = word };
                    *at += 1;
                }
            });
        }

        // 4. Sort inside whole buckets, task by task, and deliver each task's range.
        results.resize_with(tasks, R::default);
        let results = Shared::new(results);
        let bucket_starts = &self.bucket_starts[..];
        let scratch = Shared::new(&mut self.items);
        let spare = Shared::new(&mut self.spare);
        run_tasks(pool, tasks, |task| {
            // The task's buckets: those starting in its share of the events.
            // Together they tile `0..len` in order.
            let wanted = share(len, tasks, task);
            let starts = &bucket_starts[..buckets];
            let first = starts.partition_point(|&start| start < wanted.start);
            let last = starts.partition_point(|&start| start < wanted.end);
            let range = bucket_starts[first]..bucket_starts[last];
            for bucket in first..last {
                let bucket_range = bucket_starts[bucket]..bucket_starts[bucket + 1];
                // SAFETY: buckets of different tasks are disjoint.
                let (data, scratch) = unsafe {
                    (
                        spare.range(bucket_range.clone()),
                        scratch.range(bucket_range),
                    )
                };
                sort_low(data, scratch, places.bits, low_bits);
            }
            // SAFETY: the task's buckets, disjoint from every other task's.
            let sorted = unsafe { spare.range(range.clone()) };
            let result = deliver(range, sorted, places);
            // SAFETY: each task writes its own slot.
            unsafe { *results.at(task) = result };
        });
    }

    /// Where each piece starts in the concatenation, and the end.
    fn set_starts(&mut self) {
        self.starts.clear();
        self.starts.push(0);
        let mut total = 0;
        for piece in &self.pieces {
            total += piece.offsets.1 - piece.offsets.0;
            self.starts.push(total);
        }
    }

    /// Joins the tasks' runs, cuts each where another starts (a thread that took two
    /// batches of a parallel loop holds them as one run), and puts the pieces in (source,
    /// rank) order if no two overlap (nor touch: equal ones in two pieces would have to
    /// keep the buffers' order). Returns whether they are in that order, in `runs`.
    fn order_runs<T>(&mut self, buffers: &[Buffer<T>], key_of: &impl Fn(&T) -> SortKey) -> bool {
        self.runs.clear();
        for (task, &count) in self.run_counts.iter().enumerate() {
            if count > MAX_RUNS_PER_TASK {
                return false;
            }
            for run in &self.task_runs[task * MAX_RUNS_PER_TASK..][..count] {
                match self.runs.last_mut() {
                    // A run cut by the boundary between two shares.
                    Some(last)
                        if last.piece.buffer == run.piece.buffer
                            && last.piece.offsets.1 == run.piece.offsets.0
                            && last.last <= run.first =>
                    {
                        last.piece.offsets.1 = run.piece.offsets.1;
                        last.last = run.last;
                    }
                    _ => self.runs.push(*run),
                }
            }
        }
        let order_at = |buffer: usize, offset: usize| {
            // SAFETY: `offset` lies in a run, inside its buffer, still in place.
            let key = key_of(unsafe { buffers[buffer].get(offset) });
            (key.source, key.rank)
        };
        order_runs_into(
            &mut self.runs,
            &mut self.firsts,
            &mut self.task_runs,
            order_at,
        )
    }

    /// The serial path for keys whose differing bits do not fit in one word: an LSD
    /// radix sort of whole keys, leaving the sorted places in `items`.
    fn sort_wide<T>(
        &mut self,
        buffers: &[Buffer<T>],
        key_of: &impl Fn(&T) -> SortKey,
        spans: [Span; 3],
        places: Places,
    ) {
        let len = *self.starts.last().unwrap_or(&0);
        self.digits.clear();
        // Least significant word first: rank, source, key; each over its span only.
        for word in [2, 1, 0] {
            let span = spans[word];
            let mut shift = span.low;
            while shift < span.low + span.width {
                self.digits.push(Digit { word, shift });
                shift += WIDE_DIGIT_BITS;
            }
        }
        self.wide.clear();
        visit(
            buffers,
            &self.pieces,
            &self.starts,
            0..len,
            |_, buffer, offset, element| {
                self.wide.push(Wide {
                    words: key_of(element).words(),
                    place: places.encode(buffer, offset),
                });
            },
        );
        let wide = &mut self.wide;
        let spare = &mut self.wide_spare;
        let counts = &mut self.wide_counts;
        counts.clear();
        counts.resize(self.digits.len() * WIDE_BUCKETS, 0);
        for item in wide.iter() {
            for (pass, digit) in self.digits.iter().enumerate() {
                counts[pass * WIDE_BUCKETS + digit.of(item)] += 1;
            }
        }
        spare.clear();
        spare.resize(wide.len(), Wide::default());
        for (pass, digit) in self.digits.iter().enumerate() {
            let counts = &mut counts[pass * WIDE_BUCKETS..][..WIDE_BUCKETS];
            let mut next = 0u32;
            for count in counts.iter_mut() {
                let here = *count;
                *count = next;
                next += here;
            }
            for item in wide.iter() {
                let at = &mut counts[digit.of(item)];
                spare[*at as usize] = *item;
                *at += 1;
            }
            std::mem::swap(wide, spare);
        }
        self.items.clear();
        self.items.extend(self.wide.iter().map(|item| item.place));
    }
}

/// The count of leading indices of `0..count` for which `below` holds (it holds for a
/// prefix).
fn partition(count: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, count);
    while low < high {
        let middle = low + (high - low) / 2;
        if below(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

/// Sorts `data` stably by its `width` bits above bit `low`, with `scratch` (as long) to
/// scatter into: by insertion when short, else by LSD passes of up to eight bits.
fn sort_low(data: &mut [u64], scratch: &mut [u64], low: u32, width: u32) {
    if width == 0 || data.len() < 2 {
        return;
    }
    let mask = low_mask(width);
    let value = |word: u64| (word >> low) & mask;
    if data.len() <= INSERTION_MAX {
        for next in 1..data.len() {
            let word = data[next];
            let mut at = next;
            while at > 0 && value(data[at - 1]) > value(word) {
                data[at] = data[at - 1];
                at -= 1;
            }
            data[at] = word;
        }
        return;
    }
    let passes = width.div_ceil(LOW_DIGIT_BITS);
    // Passes as even as can be: 22 bits are 8, 7 and 7.
    let digit_bits = width.div_ceil(passes);
    let digit_mask = low_mask(digit_bits) as usize;
    let mut counts = [[0u32; 1 << LOW_DIGIT_BITS]; 64usize.div_ceil(LOW_DIGIT_BITS as usize)];
    let counts = &mut counts[..passes as usize];
    for &word in data.iter() {
        let mut rest = value(word);
        for counts in counts.iter_mut() {
            counts[rest as usize & digit_mask] += 1;
            rest >>= digit_bits;
        }
    }
    let (mut from, mut to) = (data, scratch);
    for (pass, counts) in counts.iter_mut().enumerate() {
        let mut next = 0u32;
        for count in counts[..=digit_mask].iter_mut() {
            let here = *count;
            *count = next;
            next += here;
        }
        // Masked to `width` first: the bits above it (the top digit) are no digit here.
        let shift = pass as u32 * digit_bits;
        for &word in from.iter() {
            let at = &mut counts[(value(word) >> shift) as usize & digit_mask];
            to[*at as usize] = word;
            *at += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    if passes % 2 == 1 {
        // The result is in the scratch: bring it home.
        to.copy_from_slice(from);
    }
}

#[cfg(test)]
mod tests {
    use bevy::tasks::TaskPoolBuilder;

    use super::*;

    /// Sorts `buffers` of (key, source, rank) with `tasks` tasks (no pool for one) and
    /// returns each event's (buffer, offset) in the batch's order, checking that the
    /// delivered ranges tile the batch.
    fn sorted_in(
        buffers: &[Vec<(u64, u64, u32)>],
        pool: Option<&TaskPool>,
        keep_keys_together: bool,
    ) -> Vec<(usize, usize)> {
        sorted_with(buffers, pool, keep_keys_together).0
    }

    /// As [`sorted_in`], and whether the sort read runs by key only.
    fn sorted_with(
        buffers: &[Vec<(u64, u64, u32)>],
        pool: Option<&TaskPool>,
        keep_keys_together: bool,
    ) -> (Vec<(usize, usize)>, bool) {
        let mut owned: Vec<Vec<(u64, u64, u32)>> = buffers.to_vec();
        let views: Vec<Buffer<(u64, u64, u32)>> = owned.iter_mut().map(Buffer::of).collect();
        let mut sorter = Sorter::default();
        let mut results: Vec<Vec<(usize, (usize, usize))>> = Vec::new();
        sorter.sort(
            &views,
            |&(key, source, rank)| SortKey { key, source, rank },
            pool,
            // Parallel from the first event, so that small cases cover the tasks.
            1,
            keep_keys_together,
            &mut results,
            |range, words, places| {
                assert_eq!(range.len(), words.len());
                range
                    .zip(words)
                    .map(|(position, &word)| (position, places.decode(word)))
                    .collect()
            },
        );
        let mut next = 0;
        let mut order = Vec::new();
        for delivered in results {
            for (position, place) in delivered {
                assert_eq!(position, next, "ranges tile the batch in order");
                next += 1;
                order.push(place);
            }
        }
        if keep_keys_together {
            // No key on both sides of a boundary between two tasks' ranges.
            let keys: Vec<u64> = order.iter().map(|&(b, o)| buffers[b][o].0).collect();
            assert!(keys.is_sorted());
        }
        (order, sorter.by_key_only)
    }

    /// The reference: a standard stable sort of the buffers end to end.
    fn expected(buffers: &[Vec<(u64, u64, u32)>]) -> Vec<(usize, usize)> {
        let mut all: Vec<(usize, usize)> = buffers
            .iter()
            .enumerate()
            .flat_map(|(b, buffer)| (0..buffer.len()).map(move |o| (b, o)))
            .collect();
        all.sort_by_key(|&(b, o)| buffers[b][o]);
        all
    }

    fn pools() -> Vec<Option<TaskPool>> {
        let mut pools = vec![None];
        for threads in [1, 2, 4] {
            pools.push(Some(TaskPoolBuilder::new().num_threads(threads).build()));
        }
        pools
    }

    fn check(buffers: &[Vec<(u64, u64, u32)>]) {
        let want = expected(buffers);
        for pool in pools() {
            for keep in [false, true] {
                let threads = pool.as_ref().map_or(0, TaskPool::thread_num);
                assert_eq!(
                    sorted_in(buffers, pool.as_ref(), keep),
                    want,
                    "{threads} threads, keys kept together: {keep}"
                );
            }
        }
    }

    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    #[test]
    fn sorts_by_key_source_and_rank_and_keeps_ties_in_arrival_order() {
        let triples = vec![
            (5, 0, 0),
            (1, 0, 1),
            (5, 0, 0),
            (1, 0, 0),
            (u64::MAX, 0, 0),
            (0, 0, 7),
            (1, 0, 0),
            (1, 9, 0),
            (5, 2, 0),
        ];
        let order: Vec<usize> = sorted_in(std::slice::from_ref(&triples), None, false)
            .into_iter()
            .map(|(_, offset)| offset)
            .collect();
        assert_eq!(order, vec![5, 3, 6, 1, 7, 0, 2, 8, 4]);
        check(&[triples]);
    }

    #[test]
    fn keys_wider_than_a_word_sort_word_by_word() {
        let triples = vec![
            (u64::MAX, 1, 0),
            (0, u64::MAX, 0),
            (u64::MAX, 0, 1),
            (0, 0, u32::MAX),
            (0, u64::MAX, 0),
        ];
        let order: Vec<usize> = sorted_in(std::slice::from_ref(&triples), None, false)
            .into_iter()
            .map(|(_, offset)| offset)
            .collect();
        assert_eq!(order, vec![3, 1, 4, 2, 0]);
        check(&[triples.clone(), triples]);
    }

    #[test]
    fn empty_one_and_all_equal() {
        check(&[]);
        check(&[vec![], vec![]]);
        check(&[vec![(7, 7, 7)]]);
        check(&[vec![], vec![(7, 7, 7)], vec![]]);
        check(&[vec![(3, 1, 0); 5_000], vec![(3, 1, 0); 3_000]]);
    }

    #[test]
    fn parallel_equals_serial_on_many_buffers_and_sizes() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        // Sizes around the bucket and insertion thresholds, and a spike.
        for (events, keys, sources) in [
            (3, 2, 2),
            (25, 4, 1_000),
            (600, 50, 50_000),
            (5_000, 600, 50_000),
            (100_000, 6_250, 50_000),
        ] {
            let mut buffers: Vec<Vec<(u64, u64, u32)>> = vec![Vec::new(); 3];
            for _ in 0..events {
                let buffer = (next() % 3) as usize;
                // Entity-like keys: index low, a shared generation high.
                let key = (1 << 32) | (next() % keys);
                buffers[buffer].push((key, next() % sources, (next() % 2) as u32));
            }
            check(&buffers);
        }
    }

    #[test]
    fn runs_in_source_order_match_the_standard_stable_sort() {
        let mut next = xorshift(0x0bad_cafe_f00d_d00d);
        // As `par_iter` writes: each buffer holds batches of ascending sources, one to
        // three events per source, batches taken by the buffers in any order.
        for batches in [1, 2, 7, 200] {
            let mut buffers: Vec<Vec<(u64, u64, u32)>> = vec![Vec::new(); 2];
            let per_batch = 50_000 / batches;
            for batch in 0..batches {
                let buffer = (next() % 2) as usize;
                for source in batch * per_batch..(batch + 1) * per_batch {
                    for _ in 0..next() % 3 + 1 {
                        let key = (1 << 32) | (next() % 6_250);
                        buffers[buffer].push((key, source as u64, 0));
                    }
                }
            }
            check(&buffers);
            // Past 64 pieces the sort stops cutting runs and sorts every bit.
            assert_eq!(
                sorted_with(&buffers, None, false).1,
                batches <= 7,
                "{batches} batches: sorted by key only"
            );
        }
        // Runs that overlap, or share a source across buffers: the full sort.
        check(&[
            vec![(3, 1, 0), (1, 5, 0), (2, 9, 0)],
            vec![(1, 4, 0), (2, 6, 0)],
        ]);
        check(&[vec![(3, 1, 0), (1, 5, 0)], vec![(1, 5, 0), (0, 6, 0)]]);
        // Touching runs in one buffer, a descent inside, and ranks.
        check(&[vec![(9, 1, 0), (8, 2, 0), (7, 2, 1), (6, 0, 0), (5, 1, 1)]]);
    }

    #[test]
    fn wide_keys_match_the_standard_stable_sort() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let buffers: Vec<Vec<(u64, u64, u32)>> = (0..2)
            .map(|_| {
                (0..3_000)
                    .map(|_| {
                        let key = next() % 1_000_003 * 0x1_0000_0001;
                        (key, next() % 5, (next() % 3) as u32)
                    })
                    .collect()
            })
            .collect();
        check(&buffers);
    }

    #[test]
    fn low_sort_is_stable_on_short_and_long_buckets() {
        for len in [0, 1, 2, 24, 25, 300] {
            let mut next = xorshift(len as u64 + 1);
            // Values in bits 4..12, the low 4 bits are the arrival order (mod 16).
            let mut data: Vec<u64> = (0..len as u64)
                .map(|index| ((next() % 40) << 4) | (index % 16))
                .collect();
            let mut want = data.clone();
            want.sort_by_key(|word| word >> 4);
            let mut scratch = vec![0; len];
            sort_low(&mut data, &mut scratch, 4, 8);
            assert_eq!(data, want, "{len} words");
        }
    }
}
