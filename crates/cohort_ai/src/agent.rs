//! `AiAgent`: an agent's decision maker, think rate and place in the line.

use bevy::ecs::component::Component;

use crate::components::{AiCache, AiCandidates, AiInputs, Decision, DecisionScores, NO_TICK};
use crate::registry::DecisionMakerId;

/// Bits of `AiAgent::flags`.
pub(crate) mod flag {
    /// Something happened that calls for a new decision: think now, skip the cache.
    pub const URGENT: u8 = 1;
    /// Its think slot came (or it is urgent, new or stale) this tick.
    pub const DUE: u8 = 1 << 1;
    /// Scored this tick: sensors sense it, readers find a fresh `Decision`.
    pub const SELECTED: u8 = 1 << 2;
    /// Waited the staleness bound: scored this tick whatever the budget.
    pub const FORCED: u8 = 1 << 3;
    /// Decided at least once.
    pub const DECIDED: u8 = 1 << 4;
    /// What one tick's selection sets afresh.
    pub const TURN: u8 = DUE | SELECTED | FORCED;
}

/// Marks an entity as an agent that thinks with a decision maker. Needs a
/// [`SimId`](cohort_sim::SimId) (it staggers think ticks and breaks ties); brings
/// [`AiInputs`], [`AiCandidates`], [`Decision`], [`DecisionScores`] and [`AiCache`]
/// with it.
///
/// Sensors check [`AiAgent::is_selected`] to sense only the agents that are scored this
/// tick, and readers check it before looking at the [`Decision`]; game systems call
/// [`AiAgent::make_urgent`] when something happens that calls for a new decision (it was
/// hit, its target died).
///
/// Every pass of the AI, and the game's sensors and readers, read this component for every
/// agent, so it is kept to 16 bytes: the scoring's inputs, outputs and cache live in the
/// components it brings, and the stagger phase comes from the `SimId` when it is needed.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
#[require(AiInputs, AiCandidates, Decision, DecisionScores, AiCache)]
pub struct AiAgent {
    /// The decision maker it thinks with.
    pub maker: DecisionMakerId,
    /// Its level-of-detail tier: [`AiConfig::think_every`](crate::AiConfig::think_every)
    /// gives its think rate.
    pub lod: u8,
    pub(crate) flags: u8,
    /// Ticks from `since` to its next think slot (at most a think rate, a `u16`): its
    /// next slot as an offset rather than a tick of its own keeps the agent at 16 bytes.
    pub(crate) due_in: u16,
    /// The tick of its last decision or, before the first, of when the AI first saw it;
    /// [`NO_TICK`] before that.
    pub(crate) since: u64,
}

impl AiAgent {
    /// An agent of `maker`, in LOD tier 0. Its first decision comes as soon as the budget
    /// allows.
    pub fn new(maker: DecisionMakerId) -> Self {
        Self {
            maker,
            lod: 0,
            flags: 0,
            due_in: 0,
            since: NO_TICK,
        }
    }

    /// The same agent in LOD tier `lod`.
    pub fn with_lod(mut self, lod: u8) -> Self {
        self.lod = lod;
        self
    }

    /// Asks for a new decision as soon as possible, bypassing the cache: urgent agents
    /// jump the line (after those past the staleness bound).
    pub fn make_urgent(&mut self) {
        self.flags |= flag::URGENT;
    }

    /// True while an urgent decision is pending.
    pub fn is_urgent(&self) -> bool {
        self.has(flag::URGENT)
    }

    /// True when the agent is scored this tick: set by selection, it stays set until the
    /// next tick's selection, so sensors (after selection) and readers (after scoring)
    /// both see it. (A time budget that runs out during the pass leaves some selected
    /// agents for a later tick: readers check [`Decision::is_fresh`](crate::Decision::is_fresh).)
    pub fn is_selected(&self) -> bool {
        self.has(flag::SELECTED)
    }

    /// True when the agent's think slot came this tick (it may still wait for budget).
    pub fn is_due(&self) -> bool {
        self.has(flag::DUE)
    }

    /// The tick of its last decision (scored or confirmed from the cache).
    pub fn last_decided(&self) -> Option<u64> {
        self.has(flag::DECIDED).then_some(self.since)
    }

    /// The tick of its next think slot: after its last decision, or when first seen.
    #[inline]
    pub(crate) fn next_due(&self) -> u64 {
        self.since.saturating_add(u64::from(self.due_in))
    }

    /// Due but not forced: it competes for the budget's places.
    pub(crate) fn waits_for_budget(&self) -> bool {
        self.is_due() && !self.has(flag::FORCED)
    }

    #[inline]
    pub(crate) fn has(&self, bits: u8) -> bool {
        self.flags & bits != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_stays_small() {
        assert!(size_of::<AiAgent>() <= 16, "{} bytes", size_of::<AiAgent>());
    }

    #[test]
    fn urgency_and_first_decision_read_from_the_flags() {
        let mut agent = AiAgent::new(DecisionMakerId::default()).with_lod(2);
        assert_eq!(agent.lod, 2);
        assert!(!agent.is_urgent() && !agent.is_selected() && !agent.is_due());
        assert_eq!(agent.last_decided(), None);
        agent.make_urgent();
        assert!(agent.is_urgent());
        agent.flags |= flag::DECIDED;
        agent.since = 40;
        assert_eq!(agent.last_decided(), Some(40));
    }
}
