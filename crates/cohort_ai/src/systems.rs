//! The AI's systems: pick the agents due this tick within the budget, score them in
//! parallel, explain the watched one, and keep the figures.

use std::time::Instant;

use bevy::ecs::prelude::*;
use bevy::utils::Parallel;
use cohort_sim::table_batches::{Batch, Written, for_each_batch};
use cohort_sim::{SimId, SimTick};

use crate::agent::{AiAgent, flag};
use crate::components::NO_TICK;
use crate::config::AiConfig;
use crate::decided::DecidedAgents;
use crate::explain::AiInspector;
use crate::pass_clock::PassClock;
use crate::registry::DecisionMakers;
use crate::rows::{SelectionRows, SelectionTable};
use crate::scoring::{ScorePass, ScoringQuery, ThreadScoring, steps_per_unit};
use crate::stats::{AiStats, AiTickFigures};

/// Priority classes, highest first, in the top bits of an agent's [`priority`].
const CLASS_STALE: u64 = 3;
const CLASS_URGENT: u64 = 2;
const CLASS_NEW: u64 = 1;
const CLASS_DUE: u64 = 0;
const OVERDUE_BITS: u32 = 24;

/// Selection runs in parallel from this many times [`AiConfig::parallel_from`] agents.
const SELECT_PARALLEL_FACTOR: usize = 32;

/// What one tick's selection and scoring passes share.
#[derive(Resource, Default)]
pub struct AiTickState {
    /// Each thread's selection counts, summed after the selection pass.
    selecting: Parallel<Tally>,
    /// Each thread's scoring counts and decided agents (gathered into [`DecidedAgents`]).
    scoring: Parallel<ThreadScoring>,
    /// Due agents' priorities, when there are more than the budget takes.
    scratch: Vec<u64>,
    /// Measured microseconds per scored agent, smoothed: turns a time budget into a count.
    micros_per_decision: Option<f32>,
    pending: AiTickFigures,
}

impl AiTickState {
    /// The decision limit for this tick from the config (and the measured cost, for a time
    /// budget); `None` for no limit.
    fn limit(&self, config: &AiConfig) -> Option<u32> {
        let by_time = config.max_micros_per_tick.map(|micros| {
            let cost = self.micros_per_decision.unwrap_or(1.0).max(0.001);
            (micros.max(0.0) / cost).floor().min(u32::MAX as f32) as u32
        });
        match (config.max_decisions_per_tick, by_time) {
            (Some(count), Some(time)) => Some(count.min(time)),
            (count, time) => count.or(time),
        }
    }
}

/// What one thread counted in one pass. Each thread keeps its own (in [`AiTickState`]),
/// summed after the pass: the parallel loop then carries one small borrow per batch, not
/// a tally that Bevy's fold moves in and out of every agent's call.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) due: u32,
    pub(crate) forced: u32,
    pub(crate) evaluated: u32,
    pub(crate) hits: u32,
    pub(crate) unknown: u32,
    pub(crate) considerations: u64,
    pub(crate) staleness: u64,
}

impl Tally {
    pub(crate) fn add(&mut self, other: &Tally) {
        self.due += other.due;
        self.forced += other.forced;
        self.evaluated += other.evaluated;
        self.hits += other.hits;
        self.unknown += other.unknown;
        self.considerations += other.considerations;
        self.staleness = self.staleness.max(other.staleness);
    }
}

/// SplitMix64's finalizer, for tie-breaks.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Agents that think on the same tick come in runs of this many consecutive `SimId`s.
pub(crate) const STAGGER_RUN: u64 = 64;

/// An agent's stagger phase: consecutive runs of [`STAGGER_RUN`] ids share one, and
/// successive runs take successive phases. Ids mostly follow the agents' order in
/// storage, so the agents due on one tick lie in short contiguous runs that the scoring
/// pass reads line by line, rather than one here and one there (a cache miss each); the
/// load stays flat once there are a few runs per think period (about 1,500 agents
/// thinking every 8 ticks; below, the few decisions come in lumps). 64: the scoring pass
/// at 50k agents every 8 ticks took 0.546 ms against 0.59-0.60 ms with runs of 8.
pub(crate) fn stagger_phase(id: SimId) -> u32 {
    (id.0 / STAGGER_RUN) as u32
}

/// The first tick after `tick` on which an agent of stagger `phase` thinks, every `every`.
/// At most one division: `phase` is below 2^32, so the sum cannot overflow for 2^63 ticks.
#[inline]
pub(crate) fn next_slot(tick: u64, every: u64, phase: u32) -> u64 {
    let sum = tick + u64::from(phase);
    // Think rates are mostly powers of two: a mask instead of a division.
    let position = if every.is_power_of_two() {
        sum & (every - 1)
    } else {
        sum % every
    };
    tick + (every - position)
}

/// An agent's place in the line when more are due than the budget takes: the class in
/// the top bits (waited the staleness bound, urgent, never decided, due), then how long
/// it is overdue, then a tie-break that changes every tick.
fn priority(agent: &AiAgent, id: SimId, tick: u64) -> u64 {
    let class = if agent.has(flag::FORCED) {
        CLASS_STALE
    } else if agent.is_urgent() {
        CLASS_URGENT
    } else if !agent.has(flag::DECIDED) {
        CLASS_NEW
    } else {
        CLASS_DUE
    };
    let overdue = tick
        .saturating_sub(agent.next_due())
        .min((1 << OVERDUE_BITS) - 1);
    let tie = mix(id.0 ^ tick.rotate_left(40)) & 0xFFFF_FFFF;
    (class << 62) | (overdue << 32) | tie
}

/// The selection pass's first step: every agent's turn this tick.
struct Marking<'a> {
    tick: u64,
    max_staleness: u64,
    /// Decision makers registered: an agent whose id is not below this has none to think
    /// with, and is never due (nor forced past the staleness bound, taking the budget's
    /// places every tick).
    makers: usize,
    /// Each thread's counts.
    threads: &'a Parallel<Tally>,
}

impl<'w> Batch<SelectionTable<'w>> for Marking<'_> {
    fn run<'a>(&self, mut rows: SelectionRows<'a>)
    where
        SelectionTable<'w>: 'a,
    {
        // Counted in locals, added to the thread's tally once: counts kept in the tally
        // were three adds to memory per agent, each waiting on the one before.
        let mut counts = Tally::default();
        for row in 0..rows.ids.len() {
            self.mark(&mut counts, &mut rows.agents, row);
        }
        self.threads.borrow_local_mut().add(&counts);
    }
}

impl Marking<'_> {
    /// Sets the agent in `row` due (its slot came, it is urgent, new or stale) or not,
    /// writing it only when its turn changes.
    #[inline(always)]
    fn mark(&self, counts: &mut Tally, agents: &mut Written<AiAgent>, row: usize) {
        let tick = self.tick;
        let agent = agents.get(row);
        let seen = agent.since != NO_TICK;
        let since = if seen { agent.since } else { tick };
        let known = usize::from(agent.maker.0) < self.makers;
        let stale = known && tick.saturating_sub(since) >= self.max_staleness;
        let due = known
            && (agent.is_urgent()
                || !agent.has(flag::DECIDED)
                || stale
                || tick >= agent.next_due());
        let turn = match (due, stale) {
            (false, _) => 0,
            (true, false) => flag::DUE | flag::SELECTED,
            (true, true) => flag::TURN,
        };
        if !seen || agent.flags & flag::TURN != turn {
            let agent = agents.get_mut(row);
            if !seen {
                agent.since = tick;
            }
            agent.flags = (agent.flags & !flag::TURN) | turn;
        }
        counts.due += u32::from(due);
        counts.forced += u32::from(stale);
        counts.unknown += u32::from(!known);
    }
}

/// Marks the agents due this tick (their slot came, they are urgent, or they never
/// decided), and, when there are more than the budget, selects the most urgent and
/// longest waiting. Runs first in [`AiSystems::Select`](crate::AiSystems::Select).
///
/// It reads every agent but writes only those whose turn changes: an agent neither due
/// now nor last tick is left untouched.
pub fn select_due_agents(
    tick: Res<SimTick>,
    config: Res<AiConfig>,
    makers: Res<DecisionMakers>,
    mut state: ResMut<AiTickState>,
    mut agents: Query<(&SimId, &mut AiAgent)>,
) {
    let tick = tick.get();
    // A few nanoseconds per agent: the pool's dispatch pays off only on far larger counts
    // than scoring's.
    let parallel =
        agents.iter().len() >= config.parallel_from.saturating_mul(SELECT_PARALLEL_FACTOR);
    let marking = Marking {
        tick,
        max_staleness: u64::from(config.max_staleness_ticks.max(1)),
        makers: makers.len(),
        threads: &state.selecting,
    };
    let tables = agents
        .contiguous_iter_mut()
        .expect("the AI's components are all stored in tables");
    for_each_batch(tables.map(SelectionTable::from), parallel, &marking);
    let mut total = Tally::default();
    for tally in state.selecting.iter_mut() {
        total.add(&std::mem::take(tally));
    }
    let (due, forced) = (total.due, total.forced);
    let limit = state.limit(&config);
    let mut selected = due;
    if let Some(limit) = limit.filter(|&limit| due > limit) {
        let keep = limit.saturating_sub(forced) as usize;
        let cutoff = cutoff(&mut state.scratch, &agents, tick, keep);
        // Counted, not worked out: agents tied at the cutoff all get in.
        let mut chosen_count = 0;
        for (id, mut agent) in &mut agents {
            if agent.waits_for_budget() {
                let chosen = priority(&agent, *id, tick) >= cutoff;
                chosen_count += u32::from(chosen);
                if chosen != agent.is_selected() {
                    agent.flags ^= flag::SELECTED;
                }
            }
        }
        selected = forced + chosen_count;
    }
    state.pending = AiTickFigures {
        tick,
        due,
        selected,
        forced,
        unknown_makers: total.unknown,
        limit,
        ..AiTickFigures::default()
    };
}

/// The lowest priority among the `keep` highest of the due, unforced agents.
fn cutoff(
    scratch: &mut Vec<u64>,
    agents: &Query<(&SimId, &mut AiAgent)>,
    tick: u64,
    keep: usize,
) -> u64 {
    if keep == 0 {
        return u64::MAX;
    }
    scratch.clear();
    scratch.extend(
        agents
            .iter()
            .filter(|(_, agent)| agent.waits_for_budget())
            .map(|(id, agent)| priority(agent, *id, tick)),
    );
    if keep >= scratch.len() {
        return 0;
    }
    let (_, nth, _) = scratch.select_nth_unstable_by(keep - 1, |a, b| b.cmp(a));
    *nth
}

/// Scores the selected agents, in parallel above the crossover, reusing a cached
/// decision while the inputs it read are unchanged, and explains the watched agent
/// ([`AiInspector`]) when it was scored. Runs in
/// [`AiSystems::Evaluate`](crate::AiSystems::Evaluate).
pub fn evaluate_decisions(
    tick: Res<SimTick>,
    config: Res<AiConfig>,
    makers: Res<DecisionMakers>,
    mut state: ResMut<AiTickState>,
    mut stats: ResMut<AiStats>,
    mut decided: ResMut<DecidedAgents>,
    mut inspector: ResMut<AiInspector>,
    mut agents: ScoringQuery,
) {
    let tick = tick.get();
    let started = Instant::now();
    let clock = config
        .max_micros_per_tick
        .map(|micros| PassClock::new(started, micros));
    let pass = ScorePass {
        tick,
        config: &config,
        cache_step: steps_per_unit(config.cache.quantum),
        makers: &makers,
        threads: &state.scoring,
        clock: clock.as_ref(),
        any_forced: state.pending.forced > 0,
    };
    let selected = state.pending.selected as usize;
    if selected > 0 {
        pass.run(&mut agents, selected >= config.parallel_from);
    }
    decided.clear();
    let mut tally = Tally::default();
    for thread in state.scoring.iter_mut() {
        decided.append(&mut thread.decided);
        tally.add(&std::mem::take(&mut thread.tally));
    }
    decided.sort();
    let eval_us = started.elapsed().as_secs_f32() * 1e6;
    let (evaluated, hits) = (tally.evaluated, tally.hits);
    if evaluated + hits > 0 {
        let per = eval_us / (evaluated + hits) as f32;
        state.micros_per_decision = Some(
            state
                .micros_per_decision
                .map_or(per, |smooth| smooth * 0.8 + per * 0.2),
        );
    }
    let figures = AiTickFigures {
        evaluated,
        cache_hits: hits,
        eval_us,
        staleness_ticks: tally.staleness,
        // Only the clock leaves selected agents undecided (bar unknown decision makers).
        out_of_time: match clock {
            Some(_) => state
                .pending
                .selected
                .saturating_sub(evaluated + hits + tally.unknown),
            None => 0,
        },
        // Selection leaves them out; the pass counts any it still meets.
        unknown_makers: state.pending.unknown_makers + tally.unknown,
        ..state.pending
    };
    stats.record(figures, tally.considerations);
    explain_watched_agent(tick, &makers, &mut inspector, &agents);
}

/// Refreshes [`AiInspector`]'s explanation when the watched agent was scored this tick.
/// Part of the scoring system rather than a system of its own: one system fewer for the
/// executor to run every tick, for work that is nothing on most ticks.
fn explain_watched_agent(
    tick: u64,
    makers: &DecisionMakers,
    inspector: &mut AiInspector,
    agents: &ScoringQuery,
) {
    let Some(watched) = inspector.watched else {
        return;
    };
    let Ok((_, _, agent, inputs, candidates, decision, ..)) = agents.get(watched) else {
        return;
    };
    if !decision.is_fresh(tick) || decision.from_cache {
        return;
    }
    let Some(maker) = makers.get(agent.maker) else {
        return;
    };
    // Explain against the choice it had before, as it was scored.
    maker.explain(
        inputs,
        candidates,
        decision.previous,
        &mut inspector.explanation,
    );
    inspector.explained = Some((watched, agent.maker, tick));
}

#[cfg(test)]
mod tests {
    use bevy::prelude::*;
    use cohort_sim::{SimAppExt, SimPlugin};

    use super::*;
    use crate::CacheConfig;
    use crate::needs::{add_needs_systems, needs_plugin, spawn_needs_agents};

    /// 5,000 needs agents thinking every tick under a 20 us time budget, on one thread.
    fn budgeted_app() -> App {
        let (plugin, id) = needs_plugin(AiConfig {
            think_every: [1; 4],
            max_micros_per_tick: Some(20.0),
            max_staleness_ticks: 30,
            cache: CacheConfig {
                enabled: false,
                ..CacheConfig::default()
            },
            parallel_from: usize::MAX,
            ..AiConfig::default()
        });
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, SimPlugin::default().fast_forward(1), plugin));
        add_needs_systems(&mut app);
        spawn_needs_agents(&mut app, id, 5_000);
        app
    }

    #[test]
    fn a_time_budget_stops_the_pass_when_the_count_it_gave_was_too_many() {
        let mut app = budgeted_app();
        app.run_sim_ticks(3);
        // Pretend decisions cost next to nothing: the budget lets every agent in.
        app.world_mut()
            .resource_mut::<AiTickState>()
            .micros_per_decision = Some(1e-6);
        app.run_sim_ticks(1);
        let figures = *app.world().resource::<AiStats>().last_tick();
        assert_eq!(figures.selected, 5_000, "{figures:?}");
        let decided = figures.evaluated + figures.cache_hits;
        // 5,000 decisions take far longer than 20 us on any machine.
        assert!(figures.out_of_time > 0, "{figures:?}");
        assert_eq!(
            decided + figures.out_of_time,
            figures.selected,
            "{figures:?}"
        );
        assert_eq!(figures.deferred(), figures.out_of_time);
        let decided_list = app.world().resource::<DecidedAgents>().entities().len();
        assert_eq!(decided_list as u32, decided, "only the scored are listed");
    }

    #[test]
    fn agents_left_by_the_clock_still_decide_within_the_staleness_bound() {
        let mut app = budgeted_app();
        app.run_sim_ticks(31);
        let since = app.world().resource::<SimTick>().get() - 31;
        let mut agents = app.world_mut().query::<&AiAgent>();
        let undecided = agents
            .iter(app.world())
            .filter(|agent| agent.last_decided().is_none_or(|tick| tick < since))
            .count();
        assert_eq!(undecided, 0, "every agent decided in the last 31 ticks");
        let totals = *app.world().resource::<AiStats>().totals();
        assert!(totals.forced > 0, "the bound forced some: {totals:?}");
    }
}
