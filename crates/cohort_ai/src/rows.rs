//! The selection and scoring passes' views of a table: each component's rows as a slice
//! (see [`table_batches`](cohort_sim::table_batches) for why).

use bevy::ecs::change_detection::ContiguousMut;
use bevy::ecs::entity::Entity;
use cohort_sim::SimId;
use cohort_sim::table_batches::{Column, Rows, Table, Written, prefetch};

use crate::agent::AiAgent;
use crate::components::{AiCache, AiCandidates, AiInputs, Decision, DecisionScores};

/// One table as `contiguous_iter_mut` gives it for the scoring pass's query.
pub(crate) type ScoringSlices<'w> = (
    &'w [Entity],
    &'w [SimId],
    ContiguousMut<'w, AiAgent>,
    &'w [AiInputs],
    &'w [AiCandidates],
    ContiguousMut<'w, Decision>,
    ContiguousMut<'w, DecisionScores>,
    ContiguousMut<'w, AiCache>,
);

/// One table of agents, for the scoring pass.
pub(crate) struct ScoringTable<'w> {
    entities: &'w [Entity],
    ids: &'w [SimId],
    agents: Column<'w, AiAgent>,
    inputs: &'w [AiInputs],
    candidates: &'w [AiCandidates],
    decisions: Column<'w, Decision>,
    scores: Column<'w, DecisionScores>,
    caches: Column<'w, AiCache>,
}

impl<'w> From<ScoringSlices<'w>> for ScoringTable<'w> {
    fn from(
        (entities, ids, agents, inputs, candidates, decisions, scores, caches): ScoringSlices<'w>,
    ) -> Self {
        Self {
            entities,
            ids,
            agents: agents.into(),
            inputs,
            candidates,
            decisions: decisions.into(),
            scores: scores.into(),
            caches: caches.into(),
        }
    }
}

impl Table for ScoringTable<'_> {
    type Rows<'a>
        = AgentRows<'a>
    where
        Self: 'a;

    fn len(&self) -> usize {
        self.entities.len()
    }

    fn rows(&mut self) -> AgentRows<'_> {
        AgentRows {
            entities: self.entities,
            ids: self.ids,
            agents: self.agents.written(),
            inputs: self.inputs,
            candidates: self.candidates,
            decisions: self.decisions.written(),
            scores: self.scores.written(),
            caches: self.caches.written(),
        }
    }
}

/// A run of one table's agents, every component the scoring pass reads or writes.
pub(crate) struct AgentRows<'a> {
    pub(crate) entities: &'a [Entity],
    /// Read only for the agents decided: their stagger phase.
    pub(crate) ids: &'a [SimId],
    pub(crate) agents: Written<'a, AiAgent>,
    pub(crate) inputs: &'a [AiInputs],
    pub(crate) candidates: &'a [AiCandidates],
    pub(crate) decisions: Written<'a, Decision>,
    pub(crate) scores: Written<'a, DecisionScores>,
    pub(crate) caches: Written<'a, AiCache>,
}

impl AgentRows<'_> {
    /// Asks for the cache lines that scoring the agent in `row` reads first; a row past
    /// the end asks for nothing.
    #[inline(always)]
    pub(crate) fn prefetch(&self, row: usize) {
        if row < self.len() {
            prefetch(&self.entities[row]);
            prefetch(&self.ids[row]);
            prefetch(&self.inputs[row]);
            self.agents.prefetch(row);
            self.decisions.prefetch(row);
            self.scores.prefetch(row);
            self.caches.prefetch(row);
        }
    }
}

impl Rows for AgentRows<'_> {
    fn len(&self) -> usize {
        self.entities.len()
    }

    fn split_at(self, mid: usize) -> (Self, Self) {
        let (entities, entities_rest) = self.entities.split_at(mid);
        let (ids, ids_rest) = self.ids.split_at(mid);
        let (agents, agents_rest) = self.agents.split_at(mid);
        let (inputs, inputs_rest) = self.inputs.split_at(mid);
        let (candidates, candidates_rest) = self.candidates.split_at(mid);
        let (decisions, decisions_rest) = self.decisions.split_at(mid);
        let (scores, scores_rest) = self.scores.split_at(mid);
        let (caches, caches_rest) = self.caches.split_at(mid);
        (
            Self {
                entities,
                ids,
                agents,
                inputs,
                candidates,
                decisions,
                scores,
                caches,
            },
            Self {
                entities: entities_rest,
                ids: ids_rest,
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

/// One table of agents, for the selection pass.
pub(crate) struct SelectionTable<'w> {
    ids: &'w [SimId],
    agents: Column<'w, AiAgent>,
}

impl<'w> From<(&'w [SimId], ContiguousMut<'w, AiAgent>)> for SelectionTable<'w> {
    fn from((ids, agents): (&'w [SimId], ContiguousMut<'w, AiAgent>)) -> Self {
        Self {
            ids,
            agents: agents.into(),
        }
    }
}

impl Table for SelectionTable<'_> {
    type Rows<'a>
        = SelectionRows<'a>
    where
        Self: 'a;

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn rows(&mut self) -> SelectionRows<'_> {
        SelectionRows {
            ids: self.ids,
            agents: self.agents.written(),
        }
    }
}

/// A run of one table's agents with their ids, for the selection pass.
pub(crate) struct SelectionRows<'a> {
    pub(crate) ids: &'a [SimId],
    pub(crate) agents: Written<'a, AiAgent>,
}

impl Rows for SelectionRows<'_> {
    fn len(&self) -> usize {
        self.ids.len()
    }

    fn split_at(self, mid: usize) -> (Self, Self) {
        let (ids, ids_rest) = self.ids.split_at(mid);
        let (agents, agents_rest) = self.agents.split_at(mid);
        (
            Self { ids, agents },
            Self {
                ids: ids_rest,
                agents: agents_rest,
            },
        )
    }
}
