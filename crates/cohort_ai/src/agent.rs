//! `AiAgent`: an agent's decision maker, think rate and place in the line.

use bevy::ecs::component::Component;

use crate::components::{AiCandidates, AiInputs, Decision};
use crate::registry::DecisionMakerId;

/// Marks an entity as an agent that thinks with a decision maker. Needs a
/// [`SimId`](cohort_sim::SimId) (it staggers think ticks and breaks ties); brings
/// [`AiInputs`], [`AiCandidates`] and [`Decision`] with it.
///
/// Sensors check [`AiAgent::is_selected`] to sense only the agents that are scored this
/// tick; game systems call [`AiAgent::make_urgent`] when something happens that calls for
/// a new decision (it was hit, its target died).
#[derive(Component, Debug, Clone, Copy, PartialEq)]
#[require(AiInputs, AiCandidates, Decision)]
pub struct AiAgent {
    /// The decision maker it thinks with.
    pub maker: DecisionMakerId,
    /// Its level-of-detail tier: [`AiConfig::think_every`](crate::AiConfig::think_every)
    /// gives its think rate.
    pub lod: u8,
    pub(crate) urgent: bool,
    pub(crate) due: bool,
    pub(crate) selected: bool,
    pub(crate) forced: bool,
    pub(crate) priority: u64,
    pub(crate) next_due: u64,
    /// Stagger phase, from the `SimId`: the same on every run.
    pub(crate) phase: u32,
    /// The tick of its last decision, or of when it was first seen.
    pub(crate) since: Option<u64>,
    pub(crate) last_decided: Option<u64>,
    pub(crate) cache: Option<(u64, u64)>,
}

impl AiAgent {
    /// An agent of `maker`, in LOD tier 0. Its first decision comes as soon as the budget
    /// allows.
    pub fn new(maker: DecisionMakerId) -> Self {
        Self {
            maker,
            lod: 0,
            urgent: false,
            due: false,
            selected: false,
            forced: false,
            priority: 0,
            next_due: 0,
            phase: 0,
            since: None,
            last_decided: None,
            cache: None,
        }
    }

    /// The same agent in LOD tier `lod`.
    pub fn with_lod(mut self, lod: u8) -> Self {
        self.lod = lod;
        self
    }

    /// Asks for a new decision: the agent jumps the line on the next tick and its cached
    /// decision is dropped.
    pub fn make_urgent(&mut self) {
        self.urgent = true;
        self.cache = None;
    }

    /// True when the agent is waiting for an urgent decision.
    pub fn is_urgent(&self) -> bool {
        self.urgent
    }

    /// True when it is scored this tick: sensors write its inputs only then.
    pub fn is_selected(&self) -> bool {
        self.selected
    }

    /// True when it was due this tick (selected or deferred by the budget).
    pub fn is_due(&self) -> bool {
        self.due
    }

    /// The tick of its last decision.
    pub fn last_decided(&self) -> Option<u64> {
        self.last_decided
    }
}
