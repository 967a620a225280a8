//! The flush's ordering: a stable LSD radix sort of (key, source, writer rank). The bits
//! that differ between events are packed into one word and sorted 11 bits a pass (three
//! passes for entity keys and sources under 2^16 each); wider keys fall back to a pass per
//! differing byte. Linear in the number of events, with buffers that keep their capacity.

/// What one staged event is sorted by, and where it was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SortItem {
    pub key: u64,
    pub source: u64,
    pub rank: u32,
    pub index: u32,
}

/// Digits of a sort item, least significant first: the rank's 4 bytes, the source's 8,
/// then the key's 8.
const DIGITS: usize = 20;

#[inline]
fn digit(item: &SortItem, position: usize) -> usize {
    let byte = |value: u64, at: usize| ((value >> (8 * at)) & 0xff) as usize;
    match position {
        0..4 => byte(u64::from(item.rank), position),
        4..12 => byte(item.source, position - 4),
        _ => byte(item.key, position - 12),
    }
}

/// A sort item with the bits that differ between events packed into one word.
#[derive(Debug, Clone, Copy, Default)]
struct Packed {
    value: u64,
    index: u32,
}

/// Bits per pass of the packed sort: 2,048 counters fit in the first-level cache.
const PACKED_DIGIT_BITS: u32 = 11;
const PACKED_BUCKETS: usize = 1 << PACKED_DIGIT_BITS;

/// Reusable sort buffers.
#[derive(Default)]
pub(crate) struct Sorter {
    /// Filled by the caller; [`Sorter::sort`] leaves the sorted positions in `order`.
    pub items: Vec<SortItem>,
    /// Positions into `items`, in sorted order.
    pub order: Vec<u32>,
    packed: Vec<Packed>,
    packed_spare: Vec<Packed>,
    spare: Vec<SortItem>,
    counts: Vec<[u32; 256]>,
    packed_counts: Vec<u32>,
    varying: Vec<usize>,
}

/// Where the differing bits of one word lie: the lowest and how many.
#[derive(Clone, Copy)]
struct Span {
    low: u32,
    width: u32,
}

impl Span {
    fn of(any: u64, all: u64) -> Self {
        let differ = any ^ all;
        if differ == 0 {
            return Self { low: 0, width: 0 };
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
        match self.width {
            0 => 0,
            64 => word,
            width => (word >> self.low) & ((1 << width) - 1),
        }
    }
}

impl Sorter {
    /// Room for `capacity` items on either path, and counters for the most passes, so
    /// that no flush allocates, however late its first event comes or whichever path it
    /// takes.
    pub(crate) fn reserve(&mut self, capacity: usize) {
        self.items.reserve(capacity);
        self.order.reserve(capacity);
        self.packed.reserve(capacity);
        self.packed_spare.reserve(capacity);
        self.spare.reserve(capacity);
        self.counts.reserve(DIGITS);
        self.packed_counts
            .reserve(64usize.div_ceil(PACKED_DIGIT_BITS as usize) * PACKED_BUCKETS);
        self.varying.reserve(DIGITS);
    }

    /// The items the sorter holds room for without allocating.
    pub(crate) fn capacity(&self) -> usize {
        self.items
            .capacity()
            .min(self.order.capacity())
            .min(self.packed.capacity())
            .min(self.packed_spare.capacity())
    }

    /// Sorts `items` by key, then source, then rank, keeping the order of equal ones (a
    /// stable sort), into `order`. When the bits that differ between items fit in one
    /// word (entity keys and sources do), it sorts that word in 11-bit passes; else it
    /// sorts the items byte by byte, a pass for each byte that differs.
    pub(crate) fn sort(&mut self) {
        self.order.clear();
        let length = self.items.len();
        let (mut any, mut all) = ([0u64; 3], [u64::MAX; 3]);
        for item in &self.items {
            let words = [item.key, item.source, u64::from(item.rank)];
            for word in 0..3 {
                any[word] |= words[word];
                all[word] &= words[word];
            }
        }
        let spans = [0, 1, 2].map(|word| Span::of(any[word], all[word]));
        let bits: u32 = spans.iter().map(|span| span.width).sum();
        if length < 2 {
            self.order.extend(0..length as u32);
        } else if bits <= 64 {
            self.sort_packed(spans, bits);
        } else {
            self.sort_wide(any, all);
        }
    }

    fn sort_packed(&mut self, [key, source, rank]: [Span; 3], bits: u32) {
        let shift_key = source.width + rank.width;
        self.packed.clear();
        self.packed.extend(self.items.iter().map(|item| {
            Packed {
                value: key.take(item.key).checked_shl(shift_key).unwrap_or(0)
                    | source
                        .take(item.source)
                        .checked_shl(rank.width)
                        .unwrap_or(0)
                    | rank.take(u64::from(item.rank)),
                index: item.index,
            }
        }));
        let passes = bits.div_ceil(PACKED_DIGIT_BITS) as usize;
        self.packed_counts.clear();
        self.packed_counts.resize(passes * PACKED_BUCKETS, 0);
        let digit = |value: u64, pass: usize| {
            ((value >> (pass as u32 * PACKED_DIGIT_BITS)) as usize) & (PACKED_BUCKETS - 1)
        };
        for item in &self.packed {
            for pass in 0..passes {
                self.packed_counts[pass * PACKED_BUCKETS + digit(item.value, pass)] += 1;
            }
        }
        self.packed_spare.clear();
        self.packed_spare
            .resize(self.packed.len(), Packed::default());
        for pass in 0..passes {
            let counts = &mut self.packed_counts[pass * PACKED_BUCKETS..][..PACKED_BUCKETS];
            let mut next = 0u32;
            for count in counts.iter_mut() {
                let here = *count;
                *count = next;
                next += here;
            }
            for item in &self.packed {
                let at = &mut counts[digit(item.value, pass)];
                self.packed_spare[*at as usize] = *item;
                *at += 1;
            }
            std::mem::swap(&mut self.packed, &mut self.packed_spare);
        }
        self.order.extend(self.packed.iter().map(|item| item.index));
    }

    fn sort_wide(&mut self, any: [u64; 3], all: [u64; 3]) {
        let length = self.items.len();
        self.varying.clear();
        for position in 0..DIGITS {
            let (word, byte) = match position {
                0..4 => (2, position),
                4..12 => (1, position - 4),
                _ => (0, position - 12),
            };
            if ((any[word] ^ all[word]) >> (8 * byte)) & 0xff != 0 {
                self.varying.push(position);
            }
        }
        self.counts.clear();
        self.counts.resize(self.varying.len(), [0; 256]);
        for item in &self.items {
            for (slot, &position) in self.varying.iter().enumerate() {
                self.counts[slot][digit(item, position)] += 1;
            }
        }
        self.spare.clear();
        self.spare.resize(length, SortItem::default());
        for (slot, &position) in self.varying.iter().enumerate() {
            let counts = &mut self.counts[slot];
            let mut next = 0u32;
            for count in counts.iter_mut() {
                let here = *count;
                *count = next;
                next += here;
            }
            for item in &self.items {
                let at = &mut counts[digit(item, position)];
                self.spare[*at as usize] = *item;
                *at += 1;
            }
            std::mem::swap(&mut self.items, &mut self.spare);
        }
        self.order.extend(self.items.iter().map(|item| item.index));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(triples: &[(u64, u64, u32)]) -> Vec<u32> {
        let mut sorter = Sorter::default();
        sorter.items.extend(
            triples
                .iter()
                .enumerate()
                .map(|(index, &(key, source, rank))| SortItem {
                    key,
                    source,
                    rank,
                    index: index as u32,
                }),
        );
        sorter.sort();
        sorter.order.clone()
    }

    #[test]
    fn sorts_by_key_source_and_rank_and_keeps_ties_in_arrival_order() {
        let triples = [
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
        assert_eq!(sorted(&triples), vec![5, 3, 6, 1, 7, 0, 2, 8, 4]);
    }

    #[test]
    fn keys_wider_than_a_word_sort_byte_by_byte() {
        let triples = [
            (u64::MAX, 1, 0),
            (0, u64::MAX, 0),
            (u64::MAX, 0, 1),
            (0, 0, u32::MAX),
            (0, u64::MAX, 0),
        ];
        assert_eq!(sorted(&triples), vec![3, 1, 4, 2, 0]);
    }

    #[test]
    fn matches_the_standard_stable_sort_on_wide_keys() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let triples: Vec<(u64, u64, u32)> = (0..5_000)
            .map(|_| {
                let key = next() % 1_000_003 * 0x1_0000_0001;
                (key, next() % 5, (next() % 3) as u32)
            })
            .collect();
        let mut expected: Vec<u32> = (0..triples.len() as u32).collect();
        expected.sort_by_key(|&index| triples[index as usize]);
        assert_eq!(sorted(&triples), expected);
    }
}
