//! The flush's ordering: a stable LSD radix sort of (key, source, writer rank), 11 bits a
//! pass, with passes only over the bits that differ between events. When those bits fit
//! in one word (entity keys and sources do) they are packed into it and three passes
//! usually do; otherwise the three words are sorted as they are. Linear in the number of
//! events, with buffers that keep their capacity.

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

/// Bits per pass: 2,048 counters fit in the first-level cache.
const DIGIT_BITS: u32 = 11;
const BUCKETS: usize = 1 << DIGIT_BITS;
/// The most digits a sort can have: three words of six 11-bit digits.
const MAX_DIGITS: usize = 3 * 64usize.div_ceil(DIGIT_BITS as usize);

/// Something radix-sortable: words to take digits from, and the position it came from.
trait Sortable: Copy + Default {
    fn word(&self, word: usize) -> u64;
    fn index(&self) -> u32;
}

/// An event's differing bits packed into one word.
#[derive(Debug, Clone, Copy, Default)]
struct Packed {
    value: u64,
    index: u32,
}

impl Sortable for Packed {
    fn word(&self, _: usize) -> u64 {
        self.value
    }
    fn index(&self) -> u32 {
        self.index
    }
}

/// An event's whole sort key, when the differing bits do not fit in one word.
#[derive(Debug, Clone, Copy, Default)]
struct Wide {
    words: [u64; 3],
    index: u32,
}

impl Sortable for Wide {
    fn word(&self, word: usize) -> u64 {
        self.words[word]
    }
    fn index(&self) -> u32 {
        self.index
    }
}

/// One pass: which word, and where in it.
#[derive(Debug, Clone, Copy)]
struct Digit {
    word: usize,
    shift: u32,
}

impl Digit {
    #[inline]
    fn of<T: Sortable>(self, item: &T) -> usize {
        ((item.word(self.word) >> self.shift) as usize) & (BUCKETS - 1)
    }
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

/// Reusable sort buffers.
#[derive(Default)]
pub(crate) struct Sorter {
    /// Positions into the sorted slice, in sorted order.
    pub order: Vec<u32>,
    packed: Vec<Packed>,
    packed_spare: Vec<Packed>,
    wide: Vec<Wide>,
    wide_spare: Vec<Wide>,
    counts: Vec<u32>,
    digits: Vec<Digit>,
}

impl Sorter {
    /// Room for `capacity` items on either path, and counters for the most passes, so
    /// that no flush allocates, however late its first event comes or whichever path it
    /// takes.
    pub(crate) fn reserve(&mut self, capacity: usize) {
        self.order.reserve(capacity);
        self.packed.reserve(capacity);
        self.packed_spare.reserve(capacity);
        self.wide.reserve(capacity);
        self.wide_spare.reserve(capacity);
        self.counts.reserve(MAX_DIGITS * BUCKETS);
        self.digits.reserve(MAX_DIGITS);
    }

    /// The items the sorter holds room for without allocating.
    pub(crate) fn capacity(&self) -> usize {
        [
            self.order.capacity(),
            self.packed.capacity(),
            self.packed_spare.capacity(),
            self.wide.capacity(),
            self.wide_spare.capacity(),
        ]
        .into_iter()
        .min()
        .unwrap_or(0)
    }

    /// Sorts `items` by key, then source, then rank, keeping the order of equal ones (a
    /// stable sort), leaving their positions in `order`.
    pub(crate) fn sort<T>(&mut self, items: &[T], key_of: impl Fn(&T) -> SortKey) {
        assert!(
            u32::try_from(items.len()).is_ok(),
            "a batch holds at most u32::MAX events"
        );
        let (mut any, mut all) = ([0u64; 3], [u64::MAX; 3]);
        for item in items {
            for (word, value) in key_of(item).words().into_iter().enumerate() {
                any[word] |= value;
                all[word] &= value;
            }
        }
        let spans = [0, 1, 2].map(|word| Span::of(any[word], all[word]));
        let bits: u32 = spans.iter().map(|span| span.width).sum();
        self.order.clear();
        self.digits.clear();
        if bits <= 64 {
            let [key, source, rank] = spans;
            self.packed.clear();
            self.packed
                .extend(items.iter().enumerate().map(|(index, item)| {
                    let words = key_of(item).words();
                    Packed {
                        value: key
                            .take(words[0])
                            .checked_shl(source.width + rank.width)
                            .unwrap_or(0)
                            | source.take(words[1]).checked_shl(rank.width).unwrap_or(0)
                            | rank.take(words[2]),
                        index: index as u32,
                    }
                }));
            self.digits
                .extend((0..bits.div_ceil(DIGIT_BITS)).map(|pass| Digit {
                    word: 0,
                    shift: pass * DIGIT_BITS,
                }));
            radix_sort(
                &mut self.packed,
                &mut self.packed_spare,
                &mut self.counts,
                &self.digits,
            );
            self.order.extend(self.packed.iter().map(Sortable::index));
        } else {
            // Least significant word first: rank, source, key; each over its span only.
            for word in [2, 1, 0] {
                let span = spans[word];
                let mut shift = span.low;
                while shift < span.low + span.width {
                    self.digits.push(Digit { word, shift });
                    shift += DIGIT_BITS;
                }
            }
            self.wide.clear();
            self.wide
                .extend(items.iter().enumerate().map(|(index, item)| Wide {
                    words: key_of(item).words(),
                    index: index as u32,
                }));
            radix_sort(
                &mut self.wide,
                &mut self.wide_spare,
                &mut self.counts,
                &self.digits,
            );
            self.order.extend(self.wide.iter().map(Sortable::index));
        }
        debug_assert_eq!(self.order.len(), items.len());
    }
}

/// A stable LSD radix sort of `items` over `digits`, least significant first: one pass to
/// count every digit, then a scatter per digit between `items` and `spare`.
fn radix_sort<T: Sortable>(
    items: &mut Vec<T>,
    spare: &mut Vec<T>,
    counts: &mut Vec<u32>,
    digits: &[Digit],
) {
    counts.clear();
    counts.resize(digits.len() * BUCKETS, 0);
    for item in items.iter() {
        for (pass, digit) in digits.iter().enumerate() {
            counts[pass * BUCKETS + digit.of(item)] += 1;
        }
    }
    spare.clear();
    spare.resize(items.len(), T::default());
    for (pass, digit) in digits.iter().enumerate() {
        let counts = &mut counts[pass * BUCKETS..][..BUCKETS];
        let mut next = 0u32;
        for count in counts.iter_mut() {
            let here = *count;
            *count = next;
            next += here;
        }
        for item in items.iter() {
            let at = &mut counts[digit.of(item)];
            spare[*at as usize] = *item;
            *at += 1;
        }
        std::mem::swap(items, spare);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(triples: &[(u64, u64, u32)]) -> Vec<u32> {
        let mut sorter = Sorter::default();
        sorter.sort(triples, |&(key, source, rank)| SortKey {
            key,
            source,
            rank,
        });
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
