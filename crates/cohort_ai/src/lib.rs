//! Batched utility AI for big battles: every agent's choice scored from data, in
//! parallel, under a per-tick budget, with nothing allocated per tick.
//!
//! - **Decision makers are data**: `assets/ai/*.ai.ron` files of options, each a weight
//!   times considerations, each an input through a [`ResponseCurve`] (linear, polynomial,
//!   logistic, logit, step, piecewise); scores multiply with a compensation for the number
//!   of considerations. A per-target option scores each candidate (say the nearest
//!   enemies) and keeps the best; a commitment bonus keeps near ties from flip-flopping;
//!   ties go to the earlier option and candidate. Files are checked against the game's
//!   [`AiSchema`]: an unknown input, a NaN or no options is an error naming the file, line
//!   and field. With Bevy's asset server, edits hot-reload and a broken edit keeps the
//!   last good definition.
//! - **Inputs** are dense: [`AiInputs`] and [`AiCandidates`], written by your sensors in
//!   [`SimSystems::Sense`](cohort_sim::SimSystems::Sense) after [`AiSystems::Select`], for
//!   the [selected](AiAgent::is_selected) agents only.
//! - **Batching**: each agent thinks every n ticks by its LOD tier, staggered by id;
//!   urgent agents ([`AiAgent::make_urgent`]) jump the line; a decision or time budget
//!   ([`AiConfig`]) caps a tick's work (a time budget also stops the scoring pass when it
//!   is spent), and no agent waits past the staleness bound.
//! - **Parallel scoring** above a measured crossover, serial below; the due agents of one
//!   decision maker are scored [`LANES`] at a time, option by option
//!   ([`DecisionMaker::decide_batch`], the same scores as [`DecisionMaker::decide`] to the
//!   bit); a decision is reused while the inputs it read are unchanged (quantized), up to
//!   a maximum age.
//! - **Output**: a [`Decision`] per agent and every option's score in [`DecisionScores`]; the `actions`
//!   feature's [`DecisionActionsAppExt`] turns decisions into `cohort_actions` orders;
//!   [`AiInspector`] explains one agent down to each consideration.
//! - **Figures**: [`AiStats`] and its [`AiSummary`] (`decisions`, `due`, `cache_hit_ratio`,
//!   `budget_used_p95`, `staleness_ticks_max`, `eval_us_p95`).
//!
//! The same scenario, seed and decision makers give the same decisions on any number of
//! threads: selection orders agents by urgency, wait and a hash of their `SimId`, and
//! every agent is scored from its own inputs alone. A time budget
//! ([`AiConfig::max_micros_per_tick`]) is the one setting that trades that away.

mod agent;
#[cfg(feature = "actions")]
mod bridge;
mod components;
mod config;
mod curve;
mod decided;
mod decision_maker;
mod definition;
mod explain;
mod hot_reload;
pub mod needs;
mod pass_clock;
mod plugin;
mod registry;
mod rows;
mod schema;
mod scoring;
mod stats;
mod systems;

pub use agent::AiAgent;
#[cfg(feature = "actions")]
pub use bridge::{DecidedContext, DecisionActions, DecisionActionsAppExt, queue_decided_actions};
pub use components::{AiCache, AiCandidates, AiInputs, Decision, DecisionScores};
pub use config::{AiConfig, CacheConfig, LOD_TIERS};
pub use curve::{Finite, ResponseCurve};
pub use decided::DecidedAgents;
pub use decision_maker::{AgentToScore, Choice, DecisionMaker, LANES};
pub use definition::{
    ConsiderationDef, DecisionMakerDef, OptionDef, load_decision_maker, name_of,
    parse_decision_maker,
};
pub use explain::{AiInspector, ConsiderationScore, Explanation, OptionScore};
pub use hot_reload::{
    DecisionMakerAsset, DecisionMakerLoader, WatchedDecisionMakers, apply_reloaded_decision_makers,
};
pub use plugin::{AiPlugin, AiSystems};
pub use registry::{DecisionMakerId, DecisionMakers, MakerEntry};
pub use schema::{
    AiSchema, InputName, InputRef, MAX_CANDIDATES, MAX_CONSIDERATIONS, MAX_INPUTS, MAX_OPTIONS,
    MAX_TARGET_INPUTS, SchemaError, TARGET_PREFIX,
};
pub use stats::{AiStats, AiSummary, AiTickFigures, AiTotals, STATS_WINDOW};
pub use systems::{AiTickState, evaluate_decisions, select_due_agents};

/// What users of the AI type.
pub mod prelude {
    pub use crate::{
        AiAgent, AiCandidates, AiConfig, AiInputs, AiInspector, AiPlugin, AiSchema, AiStats,
        AiSystems, Decision, DecisionMakerId, DecisionMakers, DecisionScores, ResponseCurve,
        load_decision_maker, parse_decision_maker,
    };
    #[cfg(feature = "actions")]
    pub use crate::{DecidedContext, DecisionActions, DecisionActionsAppExt};
}
