//! The scoring pass's view of a table: each component's rows as a plain slice, split
//! between threads, with Bevy's change detection kept by hand for the rows it writes.
//!
//! The pass reads one flag of every agent and scores one in eight or so. Through
//! `par_iter`, Bevy built each agent's seven-component item (a pointer and two tick
//! pointers per `Mut`) before the flag was read, and that cost more than the reading;
//! over slices, passing an agent over is one load and one test.

use bevy::ecs::change_detection::{ContiguousComponentTicksMut, ContiguousMut, Tick};
use bevy::ecs::entity::Entity;

use crate::agent::AiAgent;
use crate::components::{AiCache, AiCandidates, AiInputs, Decision, DecisionScores};

/// One component's rows, written in place: [`Written::get_mut`] stamps the row's
/// changed tick as a `Mut` would. (With Bevy's `track_location` feature, the location
/// of the change is not recorded.)
pub(crate) struct Written<'a, T> {
    values: &'a mut [T],
    changed: &'a mut [Tick],
    this_run: Tick,
}

impl<'a, T> Written<'a, T> {
    pub(crate) fn new(values: &'a mut [T], changed: &'a mut [Tick], this_run: Tick) -> Self {
        debug_assert_eq!(values.len(), changed.len());
        Self {
            values,
            changed,
            this_run,
        }
    }

    #[inline]
    pub(crate) fn get(&self, row: usize) -> &T {
        &self.values[row]
    }

    /// Row `row` for writing, marked changed.
    #[inline]
    pub(crate) fn get_mut(&mut self, row: usize) -> &mut T {
        self.changed[row] = self.this_run;
        &mut self.values[row]
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

/// Asks for the cache line of `value`: a hint, which reads nothing into the program.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch cannot fault, and `value` is a valid reference anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// One table's change ticks for the components the scoring pass writes, kept alive
/// while their slices are lent out (Bevy hands values and ticks out together).
pub(crate) struct TableTicks<'w> {
    agents: ContiguousComponentTicksMut<'w>,
    decisions: ContiguousComponentTicksMut<'w>,
    scores: ContiguousComponentTicksMut<'w>,
    caches: ContiguousComponentTicksMut<'w>,
}

/// One table's slices as [`Query::contiguous_iter_mut`](bevy::ecs::system::Query) gives
/// them for the scoring pass's query.
pub(crate) type TableSlices<'w> = (
    &'w [Entity],
    ContiguousMut<'w, AiAgent>,
    &'w [AiInputs],
    &'w [AiCandidates],
    ContiguousMut<'w, Decision>,
    ContiguousMut<'w, DecisionScores>,
    ContiguousMut<'w, AiCache>,
);

/// The values of one table's components, before their ticks are lent to them.
pub(crate) struct TableValues<'w> {
    entities: &'w [Entity],
    agents: &'w mut [AiAgent],
    inputs: &'w [AiInputs],
    candidates: &'w [AiCandidates],
    decisions: &'w mut [Decision],
    scores: &'w mut [DecisionScores],
    caches: &'w mut [AiCache],
}

impl TableValues<'_> {
    pub(crate) fn len(&self) -> usize {
        self.entities.len()
    }
}

/// Splits a table's slices into its values and its ticks.
pub(crate) fn split_table(
    (entities, agents, inputs, candidates, decisions, scores, caches): TableSlices<'_>,
) -> (TableValues<'_>, TableTicks<'_>) {
    let (agents, agent_ticks) = ContiguousMut::bypass_change_detection_split(agents);
    let (decisions, decision_ticks) = ContiguousMut::bypass_change_detection_split(decisions);
    let (scores, score_ticks) = ContiguousMut::bypass_change_detection_split(scores);
    let (caches, cache_ticks) = ContiguousMut::bypass_change_detection_split(caches);
    (
        TableValues {
            entities,
            agents,
            inputs,
            candidates,
            decisions,
            scores,
            caches,
        },
        TableTicks {
            agents: agent_ticks,
            decisions: decision_ticks,
            scores: score_ticks,
            caches: cache_ticks,
        },
    )
}

/// A run of one table's agents, every component the scoring pass reads or writes.
pub(crate) struct AgentRows<'a> {
    pub(crate) entities: &'a [Entity],
    pub(crate) agents: Written<'a, AiAgent>,
    pub(crate) inputs: &'a [AiInputs],
    pub(crate) candidates: &'a [AiCandidates],
    pub(crate) decisions: Written<'a, Decision>,
    pub(crate) scores: Written<'a, DecisionScores>,
    pub(crate) caches: Written<'a, AiCache>,
}

impl<'a> AgentRows<'a> {
    /// The table's rows, writing through `ticks` (the same table's).
    pub(crate) fn new(values: TableValues<'a>, ticks: &'a mut TableTicks<'_>) -> Self {
        let this_run = ticks.agents.this_run();
        Self {
            entities: values.entities,
            agents: Written::new(values.agents, ticks.agents.changed_mut(), this_run),
            inputs: values.inputs,
            candidates: values.candidates,
            decisions: Written::new(values.decisions, ticks.decisions.changed_mut(), this_run),
            scores: Written::new(values.scores, ticks.scores.changed_mut(), this_run),
            caches: Written::new(values.caches, ticks.caches.changed_mut(), this_run),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entities.len()
    }

    /// Asks for the cache lines that scoring the agent in `row` reads first; a row past
    /// the end asks for nothing.
    #[inline(always)]
    pub(crate) fn prefetch(&self, row: usize) {
        if row < self.len() {
            prefetch(&self.inputs[row]);
            prefetch(&self.decisions.values[row]);
            prefetch(&self.scores.values[row]);
            prefetch(&self.caches.values[row]);
        }
    }

    /// The first `mid` rows and the rest.
    pub(crate) fn split_at(self, mid: usize) -> (Self, Self) {
        let (entities, entities_rest) = self.entities.split_at(mid);
        let (agents, agents_rest) = self.agents.split_at(mid);
        let (inputs, inputs_rest) = self.inputs.split_at(mid);
        let (candidates, candidates_rest) = self.candidates.split_at(mid);
        let (decisions, decisions_rest) = self.decisions.split_at(mid);
        let (scores, scores_rest) = self.scores.split_at(mid);
        let (caches, caches_rest) = self.caches.split_at(mid);
        (
            Self {
                entities,
                agents,
                inputs,
                candidates,
                decisions,
                scores,
                caches,
            },
            Self {
                entities: entities_rest,
                agents: agents_rest,
                inputs: inputs_rest,
                candidates: candidates_rest,
                decisions: decisions_rest,
                scores: scores_rest,
                caches: caches_rest,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
