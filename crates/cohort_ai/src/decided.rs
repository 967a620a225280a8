//! `DecidedAgents`: the tick's decided agents in entity order, gathered from the threads.

use bevy::ecs::entity::Entity;
use bevy::ecs::resource::Resource;

/// At most this many ascending runs are merged; more take the general sort.
const MAX_RUNS: usize = 64;

/// The agents decided this tick (scored or confirmed from the cache), sorted by entity:
/// systems that act on fresh decisions look these up instead of passing over every agent.
#[derive(Resource, Debug, Default)]
pub struct DecidedAgents {
    entities: Vec<Entity>,
    /// The merge's second buffer, kept so the merge allocates only when the count grows.
    scratch: Vec<Entity>,
}

impl DecidedAgents {
    /// The agents, sorted.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// Empties the list for a new tick.
    pub(crate) fn clear(&mut self) {
        self.entities.clear();
    }

    /// Moves one thread's agents in (`part` keeps its room).
    pub(crate) fn append(&mut self, part: &mut Vec<Entity>) {
        self.entities.append(part);
    }

    /// Sorts what the threads gave. Each thread decides its agents batch by batch in
    /// storage order, so the list is a few sorted runs: merging them is linear, where
    /// the general sort of 50k entities took a twentieth of the tick, on one thread.
    pub(crate) fn sort(&mut self) {
        sort_by_runs(&mut self.entities, &mut self.scratch);
    }
}

/// Sorts `list` by merging its runs pairwise through `scratch`, or with the general sort
/// when it has more than [`MAX_RUNS`] of them. A descending run is reversed first:
/// `Entity`'s order runs against its index, so agents stored in spawn order come as one.
fn sort_by_runs(list: &mut Vec<Entity>, scratch: &mut Vec<Entity>) {
    let mut ends = [0usize; MAX_RUNS];
    let mut runs = 0;
    let mut start = 0;
    while start < list.len() {
        if runs == MAX_RUNS {
            list.sort_unstable();
            return;
        }
        let end = run_end(list, start);
        ends[runs] = end;
        runs += 1;
        start = end;
    }
    if runs <= 1 {
        return;
    }
    scratch.clear();
    scratch.reserve(list.len());
    while runs > 1 {
        scratch.clear();
        let (mut start, mut merged, mut run) = (0, 0, 0);
        while run < runs {
            let end = if run + 1 < runs {
                let (middle, end) = (ends[run], ends[run + 1]);
                merge(&list[start..middle], &list[middle..end], scratch);
                run += 2;
                end
            } else {
                scratch.extend_from_slice(&list[start..ends[run]]);
                run += 1;
                ends[run - 1]
            };
            // `merged` trails `run`: the ends it overwrites were read already.
            ends[merged] = end;
            merged += 1;
            start = end;
        }
        runs = merged;
        std::mem::swap(list, scratch);
    }
}

/// The end of the run that starts at `start`, made ascending: a strictly descending run
/// is reversed in place.
fn run_end(list: &mut [Entity], start: usize) -> usize {
    let mut end = start + 1;
    if end < list.len() && list[end] < list[start] {
        while end < list.len() && list[end] < list[end - 1] {
            end += 1;
        }
        list[start..end].reverse();
    } else {
        while end < list.len() && list[end] >= list[end - 1] {
            end += 1;
        }
    }
    end
}

/// Appends the ascending `left` and `right`, merged, to `out`.
fn merge(left: &[Entity], right: &[Entity], out: &mut Vec<Entity>) {
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

    fn entity(index: u32) -> Entity {
        Entity::from_raw_u32(index).expect("below the maximum index")
    }

    /// Lists made of `runs` ascending or descending runs of random lengths and values
    /// (values may repeat across runs: the sort must not rely on distinct entities).
    fn runs_of(runs: usize, seed: u64) -> Vec<Entity> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) as u32
        };
        let mut list = Vec::new();
        for _ in 0..runs {
            let len = next() % 200;
            let mut run: Vec<u32> = (0..len).map(|_| next() % 100_000).collect();
            run.sort_unstable();
            run.dedup();
            if next() % 2 == 0 {
                run.reverse();
            }
            list.extend(run.into_iter().map(entity));
        }
        list
    }

    #[test]
    fn merging_runs_sorts_like_the_general_sort() {
        for runs in [0, 1, 2, 3, 7, 63, 64, 65, 200] {
            for seed in 0..8 {
                let mut list = runs_of(runs, seed);
                let mut expected = list.clone();
                expected.sort_unstable();
                let mut scratch = Vec::new();
                sort_by_runs(&mut list, &mut scratch);
                assert_eq!(list, expected, "{runs} runs, seed {seed}");
            }
        }
    }

    #[test]
    fn the_resource_gathers_and_sorts_every_part() {
        let mut decided = DecidedAgents::default();
        let mut first: Vec<Entity> = [5, 9, 12].map(entity).to_vec();
        let mut second: Vec<Entity> = [1, 6, 30].map(entity).to_vec();
        decided.append(&mut first);
        decided.append(&mut second);
        decided.sort();
        // In `Entity`'s own order (not necessarily its index's).
        let mut expected = [1, 5, 6, 9, 12, 30].map(entity);
        expected.sort_unstable();
        assert_eq!(decided.entities(), expected);
        assert!(first.is_empty() && second.is_empty());
        decided.clear();
        assert!(decided.entities().is_empty());
    }
}
