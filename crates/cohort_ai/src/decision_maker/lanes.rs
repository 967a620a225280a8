//! Scoring a few agents of one decision maker together, option by option: each
//! consideration's curve is matched once for all of them and its arithmetic runs across
//! the agents in fixed-size lanes, which the compiler turns into vector instructions.
//! Every operation is the one [`DecisionMaker::decide`] does, in the same order, so the
//! scores are the same to the bit.

use bevy::ecs::entity::Entity;

use super::{Choice, CompiledOption, DecisionMaker, compensate};
use crate::components::{AiCandidates, AiInputs};
use crate::schema::{MAX_INPUTS, MAX_OPTIONS};

/// How many agents [`DecisionMaker::decide_batch`] scores at once.
pub const LANES: usize = 8;

/// One agent for [`DecisionMaker::decide_batch`]: what [`DecisionMaker::decide`] takes.
#[derive(Debug, Clone, Copy)]
pub struct AgentToScore<'a> {
    /// Its inputs.
    pub inputs: &'a AiInputs,
    /// Its candidates, for per-target options.
    pub candidates: &'a AiCandidates,
    /// The option and target it holds: they get the commitment bonus.
    pub current: Option<(u16, Option<Entity>)>,
}

/// An option index no option has.
const NO_OPTION: u16 = u16::MAX;

impl DecisionMaker {
    /// [`DecisionMaker::decide`] for each of `agents`: the same choices, and every
    /// option's score in the agent's row of `scores`, [`LANES`] agents at a time. Rows
    /// past the shortest of the three slices are left alone.
    pub fn decide_batch(
        &self,
        agents: &[AgentToScore],
        scores: &mut [[f32; MAX_OPTIONS]],
        choices: &mut [Choice],
    ) {
        let lanes = agents
            .chunks(LANES)
            .zip(scores.chunks_mut(LANES))
            .zip(choices.chunks_mut(LANES));
        for ((agents, scores), choices) in lanes {
            self.decide_lanes(agents, scores, choices);
        }
    }

    /// Up to [`LANES`] agents; unused lanes repeat the first agent and are not written.
    fn decide_lanes(
        &self,
        agents: &[AgentToScore],
        scores: &mut [[f32; MAX_OPTIONS]],
        choices: &mut [Choice],
    ) {
        let count = agents.len().min(scores.len()).min(choices.len()).min(LANES);
        let Some(first) = agents.first() else {
            return;
        };
        let lane = |index: usize| agents.get(index).unwrap_or(first);
        let inputs: [&AiInputs; LANES] = std::array::from_fn(|index| lane(index).inputs);
        let held: [u16; LANES] = std::array::from_fn(|index| {
            lane(index).current.map_or(NO_OPTION, |(option, _)| option)
        });
        let mut best_score = [0.0f32; LANES];
        let mut best_option = [NO_OPTION; LANES];
        let mut best_target: [Option<Entity>; LANES] = [None; LANES];
        let mut evaluations = [0u32; LANES];
        for (index, option) in self.options.iter().enumerate().take(MAX_OPTIONS) {
            let index = index as u16;
            let mut score = [0.0f32; LANES];
            let mut target: [Option<Entity>; LANES] = [None; LANES];
            if option.per_target {
                for (slot, agent) in agents.iter().enumerate().take(count) {
                    let (value, chosen, evaluated) = self.score_option(
                        option,
                        index,
                        agent.inputs,
                        agent.candidates,
                        agent.current,
                    );
                    (score[slot], target[slot]) = (value, chosen);
                    evaluations[slot] += evaluated;
                }
            } else {
                score = self.agent_option_lanes(option, index, &inputs, &held);
                let considered = (option.first_target - option.start) as u32;
                for evaluated in &mut evaluations {
                    *evaluated += considered;
                }
            }
            for slot in 0..count {
                scores[slot][usize::from(index)] = score[slot];
                if score[slot] > best_score[slot] {
                    best_score[slot] = score[slot];
                    best_option[slot] = index;
                    best_target[slot] = target[slot];
                }
            }
        }
        for (slot, choice) in choices.iter_mut().enumerate().take(count) {
            *choice = Choice {
                option: (best_option[slot] != NO_OPTION).then_some(best_option[slot]),
                target: best_target[slot],
                score: best_score[slot],
                evaluations: evaluations[slot],
            };
        }
    }

    /// An option that reads only the agents' inputs, scored for every lane: the
    /// compensated product of its considerations, times its weight and the commitment
    /// bonus where the lane holds it.
    #[inline(always)]
    fn agent_option_lanes(
        &self,
        option: &CompiledOption,
        index: u16,
        inputs: &[&AiInputs; LANES],
        held: &[u16; LANES],
    ) -> [f32; LANES] {
        let mut product = [1.0f32; LANES];
        for consideration in &self.considerations[option.start..option.first_target] {
            let slot = consideration.slot % MAX_INPUTS;
            let mut values: [f32; LANES] = std::array::from_fn(|lane| inputs[lane].values[slot]);
            for value in &mut values {
                *value = consideration.scaled(*value);
            }
            consideration
                .curve
                .evaluate_lanes(&mut values, &self.points);
            for (product, score) in product.iter_mut().zip(values) {
                *product *= compensate(score, option.compensation);
            }
        }
        let bonus = 1.0 + self.commitment;
        std::array::from_fn(|lane| {
            let held = if held[lane] == index { bonus } else { 1.0 };
            option.weight * product[lane] * held
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::definition::parse_decision_maker;
    use crate::schema::AiSchema;

    const EVERY_CURVE: &str = "(commitment: 0.1, options: [
        (name: \"eat\", considerations: [(input: \"a\", curve: Linear(slope: 1.0))]),
        (name: \"flee\", considerations: [
            (input: \"a\", curve: Polynomial(exponent: 2.0, slope: 1.0)),
            (input: \"b\", range: (0.0, 2.0), curve: Step(threshold: 0.3))]),
        (name: \"rest\", considerations: [
            (input: \"b\", curve: Logistic(midpoint: 0.5, steepness: 8.0)),
            (input: \"c\", curve: Logit(scale: 1.0))]),
        (name: \"dig\", considerations: [
            (input: \"c\", curve: Piecewise(points: [(0.0, 0.2), (0.5, 0.9), (1.0, 0.1)]))]),
        (name: \"hunt\", per_target: true, considerations: [
            (input: \"a\", curve: Linear(slope: 1.0)),
            (input: \"target.near\", curve: Linear(slope: -1.0, intercept: 1.0))]),
        (name: \"idle\", weight: 0.05),
    ])";

    fn agent_inputs(seed: u32) -> AiInputs {
        let mut inputs = AiInputs::default();
        for slot in 0..3 {
            inputs.set(slot, ((seed * 7 + slot as u32 * 5) % 13) as f32 / 12.0);
        }
        inputs
    }

    fn candidates(seed: u32) -> AiCandidates {
        let mut candidates = AiCandidates::default();
        for index in 0..(seed % 3) {
            let entity = Entity::from_raw_u32(index + 1).unwrap();
            candidates.push(entity, &[((seed + index) % 5) as f32 / 4.0]);
        }
        candidates
    }

    #[test]
    fn a_batch_scores_to_the_bit_what_one_at_a_time_does() {
        let schema = AiSchema::new(&["a", "b", "c"], &["near"]).unwrap();
        let maker = parse_decision_maker(Path::new("all.ron"), EVERY_CURVE, &schema).unwrap();
        // 19 agents: two full batches and a partial one.
        let inputs: Vec<_> = (0..19).map(agent_inputs).collect();
        let candidates: Vec<_> = (0..19).map(candidates).collect();
        let agents: Vec<_> = (0..19)
            .map(|index| AgentToScore {
                inputs: &inputs[index],
                candidates: &candidates[index],
                current: (index % 4 != 0).then_some(((index % 6) as u16, None)),
            })
            .collect();
        let mut scores = vec![[0.0; MAX_OPTIONS]; agents.len()];
        let empty = Choice {
            option: None,
            target: None,
            score: -1.0,
            evaluations: 0,
        };
        let mut choices = vec![empty; agents.len()];
        maker.decide_batch(&agents, &mut scores, &mut choices);
        let mut chosen = [0usize; 6];
        for (index, agent) in agents.iter().enumerate() {
            let mut alone = [0.0; MAX_OPTIONS];
            let choice = maker.decide(agent.inputs, agent.candidates, agent.current, &mut alone);
            assert_eq!(choices[index], choice, "agent {index}");
            let bits = |row: &[f32; MAX_OPTIONS]| row.map(f32::to_bits);
            assert_eq!(bits(&scores[index]), bits(&alone), "agent {index}");
            chosen[usize::from(choice.option.unwrap())] += 1;
        }
        assert!(
            chosen.iter().filter(|&&count| count > 0).count() >= 3,
            "the inputs vary the choice: {chosen:?}"
        );
    }

    #[test]
    fn an_empty_batch_writes_nothing() {
        let schema = AiSchema::new(&["a", "b", "c"], &["near"]).unwrap();
        let maker = parse_decision_maker(Path::new("all.ron"), EVERY_CURVE, &schema).unwrap();
        let mut scores = [[7.0; MAX_OPTIONS]];
        maker.decide_batch(&[], &mut scores, &mut []);
        assert_eq!(scores[0], [7.0; MAX_OPTIONS]);
    }
}
