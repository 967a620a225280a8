//! `AiConfig`: how many decisions a tick may take, how often agents think, and the cache.

use bevy::ecs::resource::Resource;

/// Level-of-detail tiers: [`AiAgent::lod`](crate::AiAgent::lod) picks one.
pub const LOD_TIERS: usize = 4;

/// The AI's run-time settings. [`AiPlugin`](crate::AiPlugin) inserts it from its field;
/// change it at any time.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct AiConfig {
    /// The most agents scored per tick; `None` for no limit. Agents past it wait, most
    /// urgent and longest overdue first, and are taken on later ticks.
    pub max_decisions_per_tick: Option<u32>,
    /// A time budget per tick, in microseconds, turned into a decision count from the
    /// measured cost of recent decisions; and should that count not fit this tick, the
    /// scoring pass stops when the time is spent: the selected agents not yet scored wait
    /// for a later tick (counted as `out_of_time`; sensors may already have sensed them,
    /// and their [`Decision`](crate::Decision) is not fresh), except those past the
    /// staleness bound. How many fit depends on the machine and its load, so a run with
    /// a time budget is not reproducible; the decision limit is.
    pub max_micros_per_tick: Option<f32>,
    /// Ticks between an agent's decisions, by LOD tier: tier 0 for agents in a fight,
    /// higher tiers for agents far from anything. Agents of one tier are staggered by
    /// their id, so each tick takes an even share of them.
    pub think_every: [u16; LOD_TIERS],
    /// No agent waits longer than this many ticks between decisions: past it an agent is
    /// scored even over the budget (counted as `forced`).
    pub max_staleness_ticks: u32,
    /// Reuse a decision while the agent's quantized inputs are unchanged.
    pub cache: CacheConfig,
    /// Score in parallel from this many selected agents on; below it, serially (a
    /// parallel pass costs more than it saves on small batches; see BENCHMARKS.md).
    /// Passes that do little per agent (selection, the bridge to actions) go parallel
    /// only on larger counts. [`AiConfig::parallel_for`] says which.
    pub parallel_from: usize,
}

impl Default for AiConfig {
    fn default() -> Self {
        Self {
            max_decisions_per_tick: None,
            max_micros_per_tick: None,
            think_every: [2, 8, 32, 64],
            max_staleness_ticks: 90,
            cache: CacheConfig::default(),
            parallel_from: 1_024,
        }
    }
}

impl AiConfig {
    /// True when a pass that does scoring-sized work for `items` items should run in
    /// parallel: game systems that act on the tick's decisions can ask it with the
    /// tick's decision count ([`AiStats::last_tick`](crate::AiStats::last_tick)).
    pub fn parallel_for(&self, items: usize) -> bool {
        items >= self.parallel_from
    }

    /// Ticks between decisions for `lod` (the last tier for tiers past it), at least 1.
    pub fn think_every(&self, lod: u8) -> u64 {
        let tier = usize::from(lod).min(LOD_TIERS - 1);
        u64::from(self.think_every[tier].max(1))
    }
}

/// The decision cache.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CacheConfig {
    /// Off scores every selected agent.
    pub enabled: bool,
    /// Inputs are compared in steps of this size: two values in the same step count as
    /// unchanged.
    pub quantum: f32,
    /// A cached decision is scored again after this many ticks, unchanged inputs or not.
    pub max_age_ticks: u32,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            quantum: 1.0 / 32.0,
            max_age_ticks: 30,
        }
    }
}
