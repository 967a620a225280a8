//! `sort_by_runs`: a linear sort for lists that parallel writers leave in a few runs.

/// At most this many chains of runs are merged; more take the general sort.
const MAX_CHAINS: usize = 64;

/// Sorts `list`, in linear time when it is made of a few runs, as what parallel systems
/// gather usually is: each thread's part comes in storage order, which for entities is
/// descending (in Bevy 0.19 `Entity`'s order runs against its index; only the speed
/// depends on it), and often in groups, ascending within (a unit's commands in write
/// order).
///
/// A run is ascending or strictly descending (then reversed); a chain of runs each wholly
/// below the one before (descending groups of ascending items) is turned ascending in
/// place. The chains are then merged pairwise through `scratch`, kept by the caller so the
/// merge allocates only when the list grows (the standard library's stable sort merges
/// runs too, but allocates its buffer on every call). More than 64 chains take
/// `sort_unstable`.
/// The result is the sorted list either way (for items equal in `Ord`, in some order).
pub fn sort_by_runs<T: Ord + Copy>(list: &mut Vec<T>, scratch: &mut Vec<T>) {
    let Some((mut ends, mut chains)) = ascending_chains(list) else {
        list.sort_unstable();
        return;
    };
    if chains <= 1 {
        return;
    }
    scratch.clear();
    scratch.reserve(list.len());
    while chains > 1 {
        scratch.clear();
        let (mut start, mut merged, mut chain) = (0, 0, 0);
        while chain < chains {
            let end = if chain + 1 < chains {
                let (middle, end) = (ends[chain], ends[chain + 1]);
                merge(&list[start..middle], &list[middle..end], scratch);
                chain += 2;
                end
            } else {
                scratch.extend_from_slice(&list[start..ends[chain]]);
                chain += 1;
                ends[chain - 1]
            };
            // `merged` trails `chain`: the ends it overwrites were read already.
            ends[merged] = end;
            merged += 1;
            start = end;
        }
        chains = merged;
        std::mem::swap(list, scratch);
    }
}

/// Turns every chain of runs in `list` ascending in place and returns where each chain
/// ends and how many there are; `None` past [`MAX_CHAINS`] chains (the list is then a
/// permutation of what it was).
fn ascending_chains<T: Ord + Copy>(list: &mut [T]) -> Option<([usize; MAX_CHAINS], usize)> {
    let mut ends = [0usize; MAX_CHAINS];
    let mut chains = 0;
    let (mut chain_start, mut chain_runs) = (0, 0);
    // The previous run's bounds and lowest item.
    let mut previous: Option<(usize, usize, T)> = None;
    let mut start = 0;
    while start < list.len() {
        let end = ascending_run(list, start);
        let (low, high) = (list[start], list[end - 1]);
        match previous {
            Some((run_start, run_end, run_low)) if high < run_low => {
                // Wholly below the run before: the chain goes on. Each of its runs is
                // reversed now and the whole chain at its end, which leaves it ascending.
                if chain_runs == 1 {
                    list[run_start..run_end].reverse();
                }
                list[start..end].reverse();
                chain_runs += 1;
            }
            _ => {
                if chain_runs > 0 {
                    close_chain(list, chain_start, start, chain_runs);
                    if chains == MAX_CHAINS - 1 {
                        return None;
                    }
                    ends[chains] = start;
                    chains += 1;
                }
                (chain_start, chain_runs) = (start, 1);
            }
        }
        previous = Some((start, end, low));
        start = end;
    }
    if chain_runs > 0 {
        close_chain(list, chain_start, list.len(), chain_runs);
        ends[chains] = list.len();
        chains += 1;
    }
    Some((ends, chains))
}

/// The end of the run that starts at `start`, made ascending: a strictly descending run
/// (a thread's entities in storage order) is reversed in place, at once rather than as a
/// chain of one-item runs.
fn ascending_run<T: Ord>(list: &mut [T], start: usize) -> usize {
    let mut end = start + 1;
    if end < list.len() && list[end] < list[start] {
        while end < list.len() && list[end] < list[end - 1] {
            end += 1;
        }
        // Its last item may start an ascending group (a unit's next commands): leave it
        // there, so the group stays whole and joins the chain.
        if end < list.len() && end - start >= 2 && list[end] >= list[end - 1] {
            end -= 1;
        }
        list[start..end].reverse();
    } else {
        while end < list.len() && list[end] >= list[end - 1] {
            end += 1;
        }
    }
    end
}

/// Finishes the chain `start..end` of `runs` runs (each already reversed if more than one).
fn close_chain<T>(list: &mut [T], start: usize, end: usize, runs: usize) {
    if runs > 1 {
        list[start..end].reverse();
    }
}

/// Appends the ascending `left` and `right`, merged, to `out`.
fn merge<T: Ord + Copy>(left: &[T], right: &[T], out: &mut Vec<T>) {
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if right[j] < left[i] {
            out.push(right[j]);
            j += 1;
        } else {
            out.push(left[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small generator: the tests need no crate for it.
    fn generator(seed: u64) -> impl FnMut() -> u32 {
        let mut state = seed;
        move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u32
        }
    }

    /// `parts` parts, each ascending, descending, or descending groups of ascending
    /// items (a thread's commands for units in storage order), of values below `range`
    /// (a small range: many equal items, inside runs and across them).
    fn parts_of(parts: usize, seed: u64, range: u32) -> Vec<u32> {
        let mut next = generator(seed);
        let mut list = Vec::new();
        for _ in 0..parts {
            let mut part: Vec<u32> = (0..next() % 300).map(|_| next() % range).collect();
            part.sort_unstable();
            match next() % 3 {
                0 => {}
                1 => part.reverse(),
                _ => {
                    let group = (next() % 6 + 1) as usize;
                    let mut groups: Vec<&[u32]> = part.chunks(group).collect();
                    groups.reverse();
                    part = groups.concat();
                }
            }
            list.extend(part);
        }
        list
    }

    #[test]
    fn sorts_like_the_general_sort() {
        for (parts, range) in [0, 1, 2, 3, 7, 40, 63, 64, 65, 300]
            .into_iter()
            .flat_map(|parts| [(parts, 100_000), (parts, 4)])
        {
            for seed in 0..12 {
                let mut list = parts_of(parts, seed, range);
                let mut expected = list.clone();
                expected.sort_unstable();
                let mut scratch = Vec::new();
                sort_by_runs(&mut list, &mut scratch);
                assert_eq!(list, expected, "{parts} parts below {range}, seed {seed}");
            }
        }
    }

    #[test]
    fn shuffled_lists_take_the_general_sort() {
        let mut next = generator(7);
        let mut list: Vec<u32> = (0..5_000).map(|_| next()).collect();
        let mut expected = list.clone();
        expected.sort_unstable();
        sort_by_runs(&mut list, &mut Vec::new());
        assert_eq!(list, expected);
    }

    #[test]
    fn descending_groups_become_one_chain() {
        // Units in storage order with their commands in write order: three each, then
        // one or two each (a descending stretch must not take the first command of the
        // next unit's group).
        let cases: [&[u32]; 2] = [
            &[90, 91, 92, 60, 61, 62, 30, 31, 32],
            &[60, 50, 51, 40, 30, 31, 20],
        ];
        for case in cases {
            let mut list = case.to_vec();
            let (ends, chains) = ascending_chains(&mut list).expect("one chain");
            assert_eq!(chains, 1, "{case:?}");
            assert_eq!(ends[0], case.len());
            let mut expected = case.to_vec();
            expected.sort_unstable();
            assert_eq!(list, expected);
        }
    }
}
