//! The AI's systems: pick the agents due this tick within the budget, score them in
//! parallel, explain the watched one, and keep the figures.

use std::time::Instant;

use bevy::ecs::prelude::*;
use bevy::utils::Parallel;
use cohort_sim::{SimId, SimTick};

use crate::agent::{AiAgent, flag};
use crate::components::{AiCache, AiCandidates, AiInputs, Decision, DecisionScores, NO_TICK};
use crate::config::AiConfig;
use crate::decided::DecidedAgents;
use crate::decision_maker::DecisionMaker;
use crate::explain::AiInspector;
use crate::registry::DecisionMakers;
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
    forced: u32,
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
struct Tally {
    due: u32,
    forced: u32,
    evaluated: u32,
    hits: u32,
    unknown: u32,
    considerations: u64,
    staleness: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.due += other.due;
        self.forced += other.forced;
        self.evaluated += other.evaluated;
        self.hits += other.hits;
        self.unknown += other.unknown;
        self.considerations += other.considerations;
        self.staleness = self.staleness.max(other.staleness);
    }
}

/// One thread's share of a scoring pass: what it counted and whom it decided.
#[derive(Default)]
struct ThreadScoring {
    tally: Tally,
    decided: Vec<Entity>,
}

/// SplitMix64's finalizer, for tie-breaks.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Agents that think on the same tick come in runs of this many consecutive `SimId`s.
const STAGGER_RUN: u64 = 8;

/// An agent's stagger phase: consecutive runs of [`STAGGER_RUN`] ids share one, and
/// successive runs take successive phases. Ids mostly follow the agents' order in
/// storage, so the agents due on one tick lie in short contiguous runs that the scoring
/// pass reads line by line, rather than one here and one there (a cache miss each); the
/// load stays flat once there are a few runs per think period.
fn stagger_phase(id: SimId) -> u32 {
    (id.0 / STAGGER_RUN) as u32
}

/// The first tick after `tick` on which an agent of stagger `phase` thinks, every `every`.
/// At most one division: `phase` is below 2^32, so the sum cannot overflow for 2^63 ticks.
#[inline]
fn next_slot(tick: u64, every: u64, phase: u32) -> u64 {
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
        .saturating_sub(agent.next_due)
        .min((1 << OVERDUE_BITS) - 1);
    let tie = mix(id.0 ^ tick.rotate_left(40)) & 0xFFFF_FFFF;
    (class << 62) | (overdue << 32) | tie
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
    mut state: ResMut<AiTickState>,
    mut agents: Query<(&SimId, &mut AiAgent)>,
) {
    let tick = tick.get();
    let max_staleness = u64::from(config.max_staleness_ticks.max(1));
    let mark = |tally: &mut Tally, (id, mut agent): (&SimId, Mut<AiAgent>)| {
        let seen = agent.since != NO_TICK;
        let since = if seen { agent.since } else { tick };
        let stale = tick.saturating_sub(since) >= max_staleness;
        let due = agent.is_urgent() || !agent.has(flag::DECIDED) || stale || tick >= agent.next_due;
        let turn = match (due, stale) {
            (false, _) => 0,
            (true, false) => flag::DUE | flag::SELECTED,
            (true, true) => flag::TURN,
        };
        if !seen || agent.flags & flag::TURN != turn {
            let agent = &mut *agent;
            if !seen {
                agent.since = tick;
                agent.phase = stagger_phase(*id);
            }
            agent.flags = (agent.flags & !flag::TURN) | turn;
        }
        tally.due += u32::from(due);
        tally.forced += u32::from(stale);
    };
    // A few nanoseconds per agent: the pool's dispatch pays off only on far larger counts
    // than scoring's.
    let selecting = &state.selecting;
    if agents.iter().len() >= config.parallel_from.saturating_mul(SELECT_PARALLEL_FACTOR) {
        agents.par_iter_mut().for_each_init(
            || selecting.borrow_local_mut(),
            |tally, agent| mark(tally, agent),
        );
    } else {
        let mut tally = selecting.borrow_local_mut();
        for agent in &mut agents {
            mark(&mut tally, agent);
        }
    }
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
        for (id, mut agent) in &mut agents {
            if agent.waits_for_budget() {
                let chosen = priority(&agent, *id, tick) >= cutoff;
                if chosen != agent.is_selected() {
                    agent.flags ^= flag::SELECTED;
                }
            }
        }
        selected = forced + keep.min((due - forced) as usize) as u32;
    }
    state.forced = forced;
    state.pending = AiTickFigures {
        tick,
        due,
        selected,
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

/// A hash of what the decision maker reads: the quantized inputs it uses, the candidates
/// and their quantized inputs, and the definition's generation. A multiply-rotate hash:
/// it only has to tell one agent's inputs from its own previous ones, cheaply.
fn cache_key(
    maker: &DecisionMaker,
    generation: u32,
    inputs: &AiInputs,
    candidates: &AiCandidates,
    quantum: f32,
) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let step = 1.0 / quantum.max(1e-6);
    // Truncation, not rounding: no libm call in the hot path.
    let quantize = |value: f32| (value * step) as i64 as u64;
    let mut hash = u64::from(generation).wrapping_mul(K);
    let mut add = |word: u64| hash = (hash.rotate_left(23) ^ word).wrapping_mul(K);
    let mut mask = maker.agent_mask();
    while mask != 0 {
        add(quantize(inputs.values[mask.trailing_zeros() as usize]));
        mask &= mask - 1;
    }
    if maker.wants_candidates() {
        add(candidates.len() as u64);
        for (index, entity) in candidates.entities().iter().enumerate() {
            add(entity.to_bits());
            let row = candidates.inputs(index).expect("index is below len");
            let mut mask = maker.target_mask();
            while mask != 0 {
                add(quantize(row[mask.trailing_zeros() as usize]));
                mask &= mask - 1;
            }
        }
    }
    hash ^ (hash >> 29)
}

/// Asks for the cache line of the component `rows` places after `item` in its column.
///
/// Due agents come in runs of [`STAGGER_RUN`] consecutive ids, one run per think period
/// of runs, and ids mostly follow storage order: while one run is scored, the next one's
/// components are on their way instead of stalling its first reads. A hint only: when the
/// guess is wrong (another table, the column's end) it fetches a useless line, nothing
/// worse.
#[inline(always)]
fn prefetch_ahead<T>(item: &T, rows: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let ahead = std::ptr::from_ref(item).wrapping_add(rows).cast::<i8>();
        // SAFETY: a prefetch reads nothing into the program and cannot fault, whatever
        // the address; `wrapping_add` makes the address without claiming it is in bounds.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ahead) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (item, rows);
}

/// One agent's components as the scoring pass gets them.
type ScoredAgent<'a> = (
    Entity,
    Mut<'a, AiAgent>,
    &'a AiInputs,
    &'a AiCandidates,
    Mut<'a, Decision>,
    Mut<'a, DecisionScores>,
    Mut<'a, AiCache>,
);

/// What every agent's scoring reads, the same for the whole pass.
struct ScorePass<'a> {
    tick: u64,
    config: &'a AiConfig,
    makers: &'a DecisionMakers,
}

impl ScorePass<'_> {
    /// Prefetches what scoring reads of the agent a think period of runs after `agent`:
    /// the first of the next run due this tick, when storage follows id order.
    #[inline(always)]
    fn prefetch_next_run(&self, (_, agent, inputs, _, decision, why, cached): &ScoredAgent) {
        let rows = STAGGER_RUN as usize * self.config.think_every(agent.lod) as usize;
        prefetch_ahead(*inputs, rows);
        prefetch_ahead(&**decision, rows);
        prefetch_ahead(&**why, rows);
        prefetch_ahead(&**cached, rows);
    }

    /// Scores one selected agent (or confirms its cached decision) and sets its next turn.
    ///
    /// Out of line on purpose: the pass visits every agent, most of them not selected, and
    /// a small per-agent check inlines into Bevy's loop where this whole body would not
    /// (the loop then moved the batch's state in and out of every call).
    #[inline(never)]
    fn score(
        &self,
        thread: &mut ThreadScoring,
        (entity, mut agent, inputs, candidates, mut decision, mut why, mut cached): ScoredAgent,
    ) {
        let (tick, cache) = (self.tick, self.config.cache);
        let tally = &mut thread.tally;
        let Some(maker) = self.makers.get(agent.maker) else {
            tally.unknown += 1;
            return;
        };
        let waited = tick.saturating_sub(agent.since);
        tally.staleness = tally.staleness.max(waited);
        let key = cache.enabled.then(|| {
            cache_key(
                maker,
                self.makers.generation(agent.maker),
                inputs,
                candidates,
                cache.quantum,
            )
        });
        // An urgent agent was told something its inputs may not show: no reuse.
        let hit = match (key, cached.entry) {
            _ if agent.is_urgent() => false,
            (Some(key), Some((cached, at))) => {
                cached == key && tick - at < u64::from(cache.max_age_ticks)
            }
            _ => false,
        };
        if hit {
            decision.mark_decided(tick, true);
            tally.hits += 1;
        } else {
            let current = decision.option.map(|option| (option, decision.target));
            let choice = maker.decide(inputs, candidates, current, &mut why.scores);
            why.options = maker.option_count() as u16;
            let decision = &mut *decision;
            decision.previous = current;
            if decision.option != choice.option || decision.target != choice.target {
                decision.mark_changed(tick);
            }
            decision.option = choice.option;
            decision.target = choice.target;
            decision.score = choice.score;
            decision.mark_decided(tick, false);
            cached.entry = key.map(|key| (key, tick));
            tally.evaluated += 1;
            tally.considerations += u64::from(choice.evaluations);
        }
        thread.decided.push(entity);
        let agent = &mut *agent;
        agent.since = tick;
        agent.flags = (agent.flags | flag::DECIDED) & !flag::URGENT;
        agent.next_due = next_slot(tick, self.config.think_every(agent.lod), agent.phase);
    }
}

/// Scores the selected agents, in parallel above the crossover, reusing a cached
/// decision while the inputs it read are unchanged. Runs in
/// [`AiSystems::Evaluate`](crate::AiSystems::Evaluate).
pub fn evaluate_decisions(
    tick: Res<SimTick>,
    config: Res<AiConfig>,
    makers: Res<DecisionMakers>,
    mut state: ResMut<AiTickState>,
    mut stats: ResMut<AiStats>,
    mut decided: ResMut<DecidedAgents>,
    mut agents: Query<(
        Entity,
        &mut AiAgent,
        &AiInputs,
        &AiCandidates,
        &mut Decision,
        &mut DecisionScores,
        &mut AiCache,
    )>,
) {
    let tick = tick.get();
    let started = Instant::now();
    let pass = ScorePass {
        tick,
        config: &config,
        makers: &makers,
    };
    let selected = state.pending.selected as usize;
    let scoring = &state.scoring;
    // Each batch borrows its thread's share once.
    let begin = || scoring.borrow_local_mut();
    let score = |thread: &mut ThreadScoring, agent: ScoredAgent| {
        if agent.1.is_selected() {
            pass.prefetch_next_run(&agent);
            pass.score(thread, agent);
        }
    };
    if selected >= config.parallel_from {
        agents
            .par_iter_mut()
            .for_each_init(begin, |thread, agent| score(thread, agent));
    } else if selected > 0 {
        let mut thread = begin();
        for agent in &mut agents {
            score(&mut thread, agent);
        }
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
        ..state.pending
    };
    stats.record(figures, tally.considerations, state.forced, tally.unknown);
}

/// Refreshes [`AiInspector`]'s explanation when the watched agent was scored this tick.
pub fn explain_watched_agent(
    tick: Res<SimTick>,
    makers: Res<DecisionMakers>,
    mut inspector: ResMut<AiInspector>,
    agents: Query<(&AiAgent, &AiInputs, &AiCandidates, &Decision)>,
) {
    let Some(watched) = inspector.watched else {
        return;
    };
    let Ok((agent, inputs, candidates, decision)) = agents.get(watched) else {
        return;
    };
    if !decision.is_fresh(tick.get()) || decision.from_cache {
        return;
    }
    let Some(maker) = makers.get(agent.maker) else {
        return;
    };
    // Explain against the choice it had before, as it was scored.
    let inspector = &mut *inspector;
    maker.explain(
        inputs,
        candidates,
        decision.previous,
        &mut inspector.explanation,
    );
    inspector.explained = Some((watched, agent.maker, tick.get()));
}
