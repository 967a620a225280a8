//! The scoring pass: the selected agents scored (or their cached decisions confirmed)
//! table by table over plain slices (see [`table_batches`](cohort_sim::table_batches)).

use bevy::ecs::entity::Entity;
use bevy::ecs::system::Query;
use bevy::utils::Parallel;
use cohort_sim::SimId;
use cohort_sim::table_batches::{Batch, Rows, for_each_batch};

use crate::agent::{AiAgent, flag};
use crate::components::{AiCache, AiCandidates, AiInputs, Decision, DecisionScores};
use crate::config::AiConfig;
use crate::decision_maker::{AgentToScore, Choice, DecisionMaker, LANES};
use crate::pass_clock::PassClock;
use crate::registry::{DecisionMakerId, DecisionMakers};
use crate::rows::{AgentRows, ScoringTable};
use crate::schema::MAX_OPTIONS;
use crate::systems::{STAGGER_RUN, Tally, next_slot, stagger_phase};

/// The scoring pass's query.
pub(crate) type ScoringQuery<'w, 's> = Query<
    'w,
    's,
    (
        Entity,
        &'static SimId,
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

/// Which definition an agent thinks with, for its cache key: the decision maker's id (an
/// agent may be moved to another) and the generation of its file (it may be reloaded).
fn definition_version(id: DecisionMakerId, generation: u32) -> u64 {
    (u64::from(id.0) << 32) | u64::from(generation)
}

/// How many quantization steps one unit of input holds, for [`cache_key`]: worked out
/// once per pass, not in every turn (a division on the way to every key).
pub(crate) fn steps_per_unit(quantum: f32) -> f32 {
    1.0 / quantum.max(1e-6)
}

/// A hash of what the decision maker reads: the quantized inputs it uses, the candidates
/// and their quantized inputs, and the [`definition_version`]. A multiply-rotate hash:
/// it only has to tell one agent's inputs from its own previous ones, cheaply. `step` is
/// [`steps_per_unit`] of the cache's quantum.
fn cache_key(
    maker: &DecisionMaker,
    version: u64,
    inputs: &AiInputs,
    candidates: &AiCandidates,
    step: f32,
) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    // Truncation, not rounding: no libm call in the hot path.
    let quantize = |value: f32| (value * step) as i64 as u64;
    let mut hash = version.wrapping_mul(K);
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
    /// [`steps_per_unit`] of the cache's quantum.
    pub(crate) cache_step: f32,
    pub(crate) makers: &'a DecisionMakers,
    /// Each thread's counts and decided agents.
    pub(crate) threads: &'a Parallel<ThreadScoring>,
    /// The time budget's deadline, when there is one.
    pub(crate) clock: Option<&'a PassClock>,
    /// True when selection forced agents past the staleness bound: they are scored even
    /// after the time is spent.
    pub(crate) any_forced: bool,
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

    /// Scores the selected agents of `rows`, in storage order. Once the time budget is
    /// spent, the rest wait for a later tick, except those past the staleness bound
    /// (the pass counts them afterwards, as selected and not decided).
    fn score_rows(&self, thread: &mut ThreadScoring, mut rows: AgentRows) {
        let mut queued = Queued::default();
        let mut turns = 0;
        for row in 0..rows.len() {
            let agent = rows.agents.get(row);
            if agent.is_selected() {
                if let Some(clock) = self.clock
                    && !agent.has(flag::FORCED)
                    && clock.is_spent(&mut turns)
                {
                    // With no forced agent to look for, the rest of the rows can wait.
                    if self.any_forced {
                        continue;
                    }
                    break;
                }
                // Due agents come in runs of `STAGGER_RUN` consecutive ids, one run per
                // think period of runs, and ids mostly follow storage order: while this
                // run is scored, the next one's components are on their way.
                let every = self.config.think_every(agent.lod) as usize;
                rows.prefetch(row + STAGGER_RUN as usize * every);
                self.take_turn(thread, &mut rows, row, &mut queued);
            }
        }
        self.score_queued(thread, &mut rows, &mut queued);
    }

    /// The selected agent in `row` takes its turn: its cached decision confirmed, or
    /// queued to be scored with the next agents of its decision maker; either way its
    /// next turn is set.
    ///
    /// Out of line on purpose: the loop visits every agent, most of them not selected,
    /// and stays small with the call.
    #[inline(never)]
    fn take_turn(
        &self,
        thread: &mut ThreadScoring,
        rows: &mut AgentRows,
        row: usize,
        queued: &mut Queued,
    ) {
        let (tick, cache) = (self.tick, self.config.cache);
        let tally = &mut thread.tally;
        let agent = *rows.agents.get(row);
        let Some(entry) = self.makers.entry(agent.maker) else {
            tally.unknown += 1;
            return;
        };
        let maker = &entry.maker;
        let (inputs, candidates) = (&rows.inputs[row], &rows.candidates[row]);
        let waited = tick.saturating_sub(agent.since);
        tally.staleness = tally.staleness.max(waited);
        let key = cache.enabled.then(|| {
            let version = definition_version(agent.maker, entry.generation);
            cache_key(maker, version, inputs, candidates, self.cache_step)
        });
        // An urgent agent was told something its inputs may not show: no reuse.
        let hit = match (key, rows.caches.get(row).entry) {
            _ if agent.is_urgent() => false,
            (Some(key), Some((cached, at))) => {
                cached == key && tick - at < u64::from(cache.max_age_ticks)
            }
            _ => false,
        };
        if hit {
            rows.decisions.get_mut(row).mark_decided(tick, true);
            tally.hits += 1;
        } else {
            if queued.is_full() || !queued.is_for(agent.maker) {
                self.score_queued(thread, rows, queued);
            }
            queued.push(agent.maker, row, key);
        }
        thread.decided.push(rows.entities[row]);
        let every = self.config.think_every(agent.lod);
        let next = next_slot(tick, every, stagger_phase(rows.ids[row]));
        let agent = rows.agents.get_mut(row);
        agent.since = tick;
        agent.flags = (agent.flags | flag::DECIDED) & !flag::URGENT;
        // At most `every`, a `u16`.
        agent.due_in = (next - tick) as u16;
    }

    /// Scores the queued agents together (one decision maker's, up to [`LANES`]) and
    /// writes their decisions, scores and cache entries.
    fn score_queued(&self, thread: &mut ThreadScoring, rows: &mut AgentRows, queued: &mut Queued) {
        let count = std::mem::take(&mut queued.len);
        let Some(maker) = self.makers.get(queued.maker).filter(|_| count > 0) else {
            return;
        };
        let tick = self.tick;
        let queue = &queued.rows[..count];
        // The lanes past `count` repeat the last agent; only the first `count` are scored.
        let agents: [AgentToScore; LANES] = std::array::from_fn(|lane| {
            let (row, _) = queue[lane.min(count - 1)];
            let decision = rows.decisions.get(row);
            AgentToScore {
                inputs: &rows.inputs[row],
                candidates: &rows.candidates[row],
                current: decision.option.map(|option| (option, decision.target)),
            }
        });
        let mut scores = [[0.0; MAX_OPTIONS]; LANES];
        let mut choices = [Choice::default(); LANES];
        maker.decide_batch(
            &agents[..count],
            &mut scores[..count],
            &mut choices[..count],
        );
        let options = maker.option_count();
        let tally = &mut thread.tally;
        for (lane, &(row, key)) in queue.iter().enumerate() {
            let choice = choices[lane];
            let why = rows.scores.get_mut(row);
            // The whole fixed array (zeros past `options`): a few vector stores, where a
            // copy of `options` floats is a call to `memcpy`, whose store missed most.
            why.scores = scores[lane];
            why.options = options as u16;
            let decision = rows.decisions.get_mut(row);
            decision.previous = agents[lane].current;
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
    }
}

/// Agents of one decision maker waiting to be scored together: their rows and cache keys.
#[derive(Default)]
struct Queued {
    maker: DecisionMakerId,
    len: usize,
    rows: [(usize, Option<u64>); LANES],
}

impl Queued {
    fn is_full(&self) -> bool {
        self.len == LANES
    }

    /// True when agents of `maker` may join: it is theirs, or empty.
    fn is_for(&self, maker: DecisionMakerId) -> bool {
        self.len == 0 || self.maker == maker
    }

    fn push(&mut self, maker: DecisionMakerId, row: usize, key: Option<u64>) {
        self.maker = maker;
        self.rows[self.len] = (row, key);
        self.len += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::needs::needs_makers;

    fn key_of(values: [f32; 4]) -> u64 {
        let (makers, id) = needs_makers();
        let mut inputs = AiInputs::default();
        inputs.values[..4].copy_from_slice(&values);
        let maker = makers.get(id).expect("inserted");
        cache_key(
            maker,
            0,
            &inputs,
            &AiCandidates::default(),
            steps_per_unit(0.01),
        )
    }

    #[test]
    fn the_cache_key_tells_small_changes_swaps_and_opposite_changes_apart() {
        let base = key_of([0.10, 0.20, 0.30, 0.40]);
        assert_eq!(
            base,
            key_of([0.10, 0.20, 0.30, 0.40]),
            "same inputs, same key"
        );
        // Within one quantum: the same key (the cache's purpose).
        assert_eq!(base, key_of([0.101, 0.20, 0.30, 0.40]));
        let others = [
            [0.11, 0.20, 0.30, 0.40],
            [0.20, 0.10, 0.30, 0.40],
            [0.11, 0.19, 0.30, 0.40],
            [0.10, 0.20, 0.31, 0.39],
            [0.40, 0.30, 0.20, 0.10],
        ];
        for values in others {
            assert_ne!(base, key_of(values), "{values:?}");
        }
    }

    #[test]
    fn the_cache_key_changes_with_the_definition_its_generation_and_its_id() {
        let (makers, id) = needs_makers();
        let maker = makers.get(id).expect("inserted");
        let (inputs, candidates) = (AiInputs::default(), AiCandidates::default());
        let key = |id: u16, generation| {
            let version = definition_version(DecisionMakerId(id), generation);
            cache_key(maker, version, &inputs, &candidates, steps_per_unit(0.01))
        };
        assert_ne!(key(0, 0), key(0, 1), "a reload");
        assert_ne!(
            key(0, 0),
            key(1, 0),
            "another decision maker, same inputs read"
        );
        assert_ne!(key(1, 0), key(0, 1));
    }
}
