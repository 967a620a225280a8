//! The flush's ordering: a stable LSD radix sort of (key, source, writer rank) over small
//! sort items, with a pass only for the bytes that differ between events. Linear in the
//! number of events, with buffers that keep their capacity between flushes.

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

/// Reusable sort buffers.
#[derive(Default)]
pub(crate) struct Sorter {
    pub items: Vec<SortItem>,
    spare: Vec<SortItem>,
    counts: Vec<[u32; 256]>,
    varying: Vec<usize>,
}

impl Sorter {
    pub(crate) fn reserve(&mut self, capacity: usize) {
        self.items.reserve(capacity);
        self.spare.reserve(capacity);
        self.counts.reserve(DIGITS);
        self.varying.reserve(DIGITS);
    }

    /// The items the sorter holds room for without allocating.
    pub(crate) fn capacity(&self) -> usize {
        self.items.capacity().min(self.spare.capacity())
    }

    /// Sorts `items` by key, then source, then rank, keeping the order of equal ones (a
    /// stable sort). Only digits that differ between items get a pass: keys below 2^16
    /// from one writer sort in two passes.
    pub(crate) fn sort(&mut self) {
        let length = self.items.len();
        if length < 2 {
            return;
        }
        // Bits that differ somewhere: OR of all against AND of all.
        let (mut any, mut all) = ([0u64; 3], [u64::MAX; 3]);
        for item in &self.items {
            let words = [item.key, item.source, u64::from(item.rank)];
            for word in 0..3 {
                any[word] |= words[word];
                all[word] &= words[word];
            }
        }
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
        sorter.items.iter().map(|item| item.index).collect()
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
