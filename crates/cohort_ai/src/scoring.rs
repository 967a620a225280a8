//! The scoring pass: the selected agents scored (or their cached decisions confirmed)
//! table by table over plain slices (see [`table_batches`](cohort_sim::table_batches)).

use bevy::ecs::entity::Entity;
use bevy::ecs::system::Query;
use bevy::utils::Parallel;
use cohort_sim::table_batches::{Batch, Rows, for_each_batch};

use crate::agent::{AiAgent, flag};
use crate::components::{AiCache, AiCandidates, AiInputs, Decision, DecisionScores};
use crate::config::AiConfig;
use crate::decision_maker::DecisionMaker;
use crate::registry::DecisionMakers;
use crate::rows::{AgentRows, ScoringTable};
use crate::systems::{STAGGER_RUN, Tally, next_slot};

/// The scoring pass's query.
pub(crate) type ScoringQuery<'w, 's> = Query<
    'w,
    's,
    (
        Entity,
        &'static mut AiAgent,
        &'static AiInputs,
        &'static AiCandidates,
        &'static mut Decision,
        &'static mut DecisionScores,
        &'static mut AiCache,
    ),
>;

/// One thread's share of a scoring pass: what it counted and whom it decided.
#[derive(Default)]
pub(crate) struct ThreadScoring {
    pub(crate) tally: Tally,
    pub(crate) decided: Vec<Entity>,
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

/// What every agent's scoring reads, the same for the whole pass.
pub(crate) struct ScorePass<'a> {
    pub(crate) tick: u64,
    pub(crate) config: &'a AiConfig,
    pub(crate) makers: &'a DecisionMakers,
    /// Each thread's counts and decided agents.
    pub(crate) threads: &'a Parallel<ThreadScoring>,
}

impl<'w> Batch<ScoringTable<'w>> for ScorePass<'_> {
    fn run<'a>(&self, rows: AgentRows<'a>)
    where
        ScoringTable<'w>: 'a,
    {
        self.score_rows(&mut self.threads.borrow_local_mut(), rows);
    }
}

impl ScorePass<'_> {
    /// Scores every agent of `agents` that selection chose, in parallel when `parallel`
    /// and there is more than one compute thread.
    pub(crate) fn run(&self, agents: &mut ScoringQuery, parallel: bool) {
        let tables = agents
            .contiguous_iter_mut()
            .expect("the AI's components are all stored in tables");
        for_each_batch(tables.map(ScoringTable::from), parallel, self);
    }

    /// Scores the selected agents of `rows`, in storage order.
    fn score_rows(&self, thread: &mut ThreadScoring, mut rows: AgentRows) {
        for row in 0..rows.len() {
            let agent = rows.agents.get(row);
            if agent.is_selected() {
                // Due agents come in runs of `STAGGER_RUN` consecutive ids, one run per
                // think period of runs, and ids mostly follow storage order: while this
                // run is scored, the next one's components are on their way.
                let every = self.config.think_every(agent.lod) as usize;
                rows.prefetch(row + STAGGER_RUN as usize * every);
                self.score(thread, &mut rows, row);
            }
        }
    }

    /// Scores the selected agent in `row` (or confirms its cached decision) and sets its
    /// next turn.
    ///
    /// Out of line on purpose: the loop visits every agent, most of them not selected,
    /// and stays small with the call.
    #[inline(never)]
    fn score(&self, thread: &mut ThreadScoring, rows: &mut AgentRows, row: usize) {
        let (tick, cache) = (self.tick, self.config.cache);
        let tally = &mut thread.tally;
        let agent = *rows.agents.get(row);
        let Some(maker) = self.makers.get(agent.maker) else {
            tally.unknown += 1;
            return;
        };
        let (inputs, candidates) = (&rows.inputs[row], &rows.candidates[row]);
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
        let hit = match (key, rows.caches.get(row).entry) {
            _ if agent.is_urgent() => false,
            (Some(key), Some((cached, at))) => {
                cached == key && tick - at < u64::from(cache.max_age_ticks)
            }
            _ => false,
        };
        let decision = rows.decisions.get_mut(row);
        if hit {
            decision.mark_decided(tick, true);
            tally.hits += 1;
        } else {
            let why = rows.scores.get_mut(row);
            let current = decision.option.map(|option| (option, decision.target));
            let choice = maker.decide(inputs, candidates, current, &mut why.scores);
            why.options = maker.option_count() as u16;
            decision.previous = current;
            if decision.option != choice.option || decision.target != choice.target {
                decision.mark_changed(tick);
            }
            decision.option = choice.option;
            decision.target = choice.target;
            decision.score = choice.score;
            decision.mark_decided(tick, false);
            rows.caches.get_mut(row).entry = key.map(|key| (key, tick));
            tally.evaluated += 1;
            tally.considerations += u64::from(choice.evaluations);
        }
        thread.decided.push(rows.entities[row]);
        let agent = rows.agents.get_mut(row);
        agent.since = tick;
        agent.flags = (agent.flags | flag::DECIDED) & !flag::URGENT;
        agent.next_due = next_slot(tick, self.config.think_every(agent.lod), agent.phase);
    }
}
