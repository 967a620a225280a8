//! The dense, fixed-size components an agent carries: what it senses, whom it may
//! target, and what it decided. All change in place; none is added or removed while an
//! agent lives.

use bevy::ecs::component::Component;
use bevy::ecs::entity::Entity;

use crate::schema::{MAX_CANDIDATES, MAX_INPUTS, MAX_OPTIONS, MAX_TARGET_INPUTS};

/// An agent's inputs, written by the game's sensor systems in
/// [`SimSystems::Sense`](cohort_sim::SimSystems::Sense), in the slots of the
/// [`AiSchema`](crate::AiSchema).
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct AiInputs {
    /// The values, by slot; unused slots stay 0.
    pub values: [f32; MAX_INPUTS],
}

impl Default for AiInputs {
    fn default() -> Self {
        Self {
            values: [0.0; MAX_INPUTS],
        }
    }
}

impl AiInputs {
    /// Sets `slot` to `value`; a slot past [`MAX_INPUTS`] is ignored.
    pub fn set(&mut self, slot: usize, value: f32) {
        if let Some(input) = self.values.get_mut(slot) {
            *input = value;
        }
    }

    /// The value in `slot` (0 past the end).
    pub fn get(&self, slot: usize) -> f32 {
        self.values.get(slot).copied().unwrap_or(0.0)
    }
}

/// The targets a per-target option weighs, each with its own inputs, written by a game
/// system (in the battle, the nearest enemies and the most wounded allies).
///
/// The order is the tie-break: of two candidates that score the same, the earlier wins,
/// so write them in a deterministic order (by distance, then by `SimId`).
#[derive(Component, Debug, Clone, PartialEq)]
pub struct AiCandidates {
    len: u8,
    entities: [Entity; MAX_CANDIDATES],
    inputs: [[f32; MAX_TARGET_INPUTS]; MAX_CANDIDATES],
}

impl Default for AiCandidates {
    fn default() -> Self {
        Self {
            len: 0,
            entities: [Entity::PLACEHOLDER; MAX_CANDIDATES],
            inputs: [[0.0; MAX_TARGET_INPUTS]; MAX_CANDIDATES],
        }
    }
}

impl AiCandidates {
    /// Forgets every candidate.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Adds `entity` with its inputs (by target slot; missing slots are 0). Returns false,
    /// and adds nothing, when [`MAX_CANDIDATES`] are already there.
    pub fn push(&mut self, entity: Entity, inputs: &[f32]) -> bool {
        let index = usize::from(self.len);
        if index >= MAX_CANDIDATES {
            return false;
        }
        self.entities[index] = entity;
        let row = &mut self.inputs[index];
        *row = [0.0; MAX_TARGET_INPUTS];
        for (slot, value) in row.iter_mut().zip(inputs) {
            *slot = *value;
        }
        self.len += 1;
        true
    }

    /// How many candidates there are.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True with no candidates.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Candidate `index`'s entity.
    pub fn entity(&self, index: usize) -> Option<Entity> {
        (index < self.len()).then(|| self.entities[index])
    }

    /// Candidate `index`'s inputs.
    pub fn inputs(&self, index: usize) -> Option<&[f32; MAX_TARGET_INPUTS]> {
        (index < self.len()).then(|| &self.inputs[index])
    }

    /// The candidates' entities, in order.
    pub fn entities(&self) -> &[Entity] {
        &self.entities[..self.len()]
    }

    /// The candidates' input rows, in the order of [`AiCandidates::entities`].
    pub fn rows(&self) -> &[[f32; MAX_TARGET_INPUTS]] {
        &self.inputs[..self.len()]
    }
}

/// A tick field's value while there is no such tick yet (no decision, no change, not
/// seen): a sentinel rather than an `Option`, which would double the field.
pub(crate) const NO_TICK: u64 = u64::MAX;

/// `tick`, or `None` for [`NO_TICK`].
pub(crate) fn known_tick(tick: u64) -> Option<u64> {
    (tick != NO_TICK).then_some(tick)
}

/// What an agent decided last: the option and the target of a per-target option, for
/// the game to act on. Readers pass over every agent's, so it stays within a cache line;
/// every option's score is in [`DecisionScores`].
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub(crate) option: Option<u16>,
    pub(crate) target: Option<Entity>,
    pub(crate) score: f32,
    pub(crate) from_cache: bool,
    /// The tick of the last decision, [`NO_TICK`] before the first.
    decided_at: u64,
    /// The tick the option or target last changed, [`NO_TICK`] before.
    changed_at: u64,
    /// The option and target before the last scoring: what commitment favoured.
    pub(crate) previous: Option<(u16, Option<Entity>)>,
}

impl Default for Decision {
    fn default() -> Self {
        Self {
            option: None,
            target: None,
            score: 0.0,
            from_cache: false,
            decided_at: NO_TICK,
            changed_at: NO_TICK,
            previous: None,
        }
    }
}

impl Decision {
    /// The chosen option's index in its decision maker, `None` when nothing scored above 0.
    pub fn option(&self) -> Option<u16> {
        self.option
    }

    /// The chosen target, for a per-target option.
    pub fn target(&self) -> Option<Entity> {
        self.target
    }

    /// The chosen option's score (commitment included).
    pub fn score(&self) -> f32 {
        self.score
    }

    /// The tick of the last decision, `None` before the first.
    pub fn decided_at(&self) -> Option<u64> {
        known_tick(self.decided_at)
    }

    /// The tick the option or target last changed.
    pub fn changed_at(&self) -> Option<u64> {
        known_tick(self.changed_at)
    }

    /// True when the decision was made (or confirmed from the cache) on `tick`.
    pub fn is_fresh(&self, tick: u64) -> bool {
        self.decided_at == tick
    }

    /// True when the last decision was reused from the cache instead of scored.
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }

    /// Records a decision on `tick`.
    pub(crate) fn mark_decided(&mut self, tick: u64, from_cache: bool) {
        self.decided_at = tick;
        self.from_cache = from_cache;
    }

    /// Records a change of option or target on `tick`.
    pub(crate) fn mark_changed(&mut self, tick: u64) {
        self.changed_at = tick;
    }
}

/// Every option's score at an agent's last scoring, by option index (for a per-target
/// option, its best target's): why it chose what it chose, for the overlay and for
/// tuning. Written by each scoring, not by a reuse from the cache.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct DecisionScores {
    pub(crate) scores: [f32; MAX_OPTIONS],
    pub(crate) options: u16,
}

impl Default for DecisionScores {
    fn default() -> Self {
        Self {
            scores: [0.0; MAX_OPTIONS],
            options: 0,
        }
    }
}

impl DecisionScores {
    /// The scores, one per option of the agent's decision maker.
    pub fn scores(&self) -> &[f32] {
        &self.scores[..usize::from(self.options)]
    }
}

/// The key of the inputs an agent's last scored decision read, and when it was scored:
/// while the key matches (and the decision is younger than the cache's maximum age) the
/// decision is reused. The AI's own bookkeeping, apart from [`AiAgent`](crate::AiAgent)
/// so the passes over every agent do not carry it.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AiCache {
    pub(crate) entry: Option<(u64, u64)>,
}

impl AiCache {
    /// The tick the cached decision was scored, if one is cached.
    pub fn scored_at(&self) -> Option<u64> {
        self.entry.map(|(_, at)| at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_fits_a_cache_line() {
        assert!(
            size_of::<Decision>() <= 64,
            "{} bytes",
            size_of::<Decision>()
        );
        let mut decision = Decision::default();
        assert_eq!((decision.decided_at(), decision.changed_at()), (None, None));
        decision.mark_decided(7, true);
        decision.mark_changed(5);
        assert!(decision.is_fresh(7) && !decision.is_fresh(8) && decision.from_cache());
        assert_eq!(
            (decision.decided_at(), decision.changed_at()),
            (Some(7), Some(5))
        );
    }

    #[test]
    fn candidates_fill_up_to_the_limit() {
        let mut candidates = AiCandidates::default();
        for index in 0..MAX_CANDIDATES as u32 {
            let entity = Entity::from_raw_u32(index + 1).unwrap();
            assert!(candidates.push(entity, &[index as f32]));
        }
        assert!(!candidates.push(Entity::PLACEHOLDER, &[]), "full");
        assert_eq!(candidates.len(), MAX_CANDIDATES);
        assert_eq!(candidates.inputs(3).unwrap()[0], 3.0);
        assert_eq!(candidates.inputs(3).unwrap()[1], 0.0);
        candidates.clear();
        assert!(candidates.is_empty() && candidates.entity(0).is_none());
    }
}
