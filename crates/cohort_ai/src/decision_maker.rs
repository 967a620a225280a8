//! A decision maker compiled for scoring: flat considerations, resolved input slots.

mod lanes;

use bevy::ecs::entity::Entity;

use crate::components::{AiCandidates, AiInputs};
use crate::curve::{CompiledCurve, Finite, ResponseCurve};
use crate::definition::DecisionMakerDef;
use crate::explain::Explanation;
use crate::schema::{InputRef, MAX_INPUTS, MAX_OPTIONS, MAX_TARGET_INPUTS};

pub use lanes::{AgentToScore, LANES};

/// One consideration, ready to score: its input's slot in the agent's inputs or in a
/// candidate's row (which one its option's ranges say), the range and the curve.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Consideration {
    input: InputRef,
    slot: usize,
    low: f32,
    inverse_span: f32,
    curve: CompiledCurve,
}

impl Consideration {
    /// The score of `raw`, this consideration's input.
    #[inline]
    fn score(&self, raw: f32, points: &[(Finite, Finite)]) -> f32 {
        self.curve.evaluate(self.scaled(raw), points)
    }

    /// `raw` mapped from the consideration's range onto [0, 1] (before the clamp).
    #[inline(always)]
    fn scaled(&self, raw: f32) -> f32 {
        (raw - self.low) * self.inverse_span
    }

    /// This consideration's raw input, from the agent's inputs or the candidate's row.
    fn raw(&self, inputs: &AiInputs, target: Option<&[f32; MAX_TARGET_INPUTS]>) -> f32 {
        match self.input {
            InputRef::Agent(_) => inputs.values[self.slot % MAX_INPUTS],
            InputRef::Target(_) => target.map_or(0.0, |row| row[self.slot % MAX_TARGET_INPUTS]),
        }
    }
}

/// A consideration's score with Dave Mark's make-up for the option's number of
/// considerations (`compensation` is `1 − 1/n`), so options with more considerations are
/// not punished for multiplying more numbers below 1.
#[inline(always)]
fn compensate(score: f32, compensation: f32) -> f32 {
    score + (1.0 - score) * compensation * score
}

#[derive(Debug, Clone, PartialEq)]
struct CompiledOption {
    name: String,
    weight: f32,
    per_target: bool,
    /// `considerations[start..end]`, agent inputs first.
    start: usize,
    end: usize,
    /// Where the target considerations begin.
    first_target: usize,
    /// Dave Mark's make-up factor, `1 − 1/n`.
    compensation: f32,
}

/// What [`DecisionMaker::decide`] chose.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Choice {
    /// The option, `None` when every option scored 0.
    pub option: Option<u16>,
    /// The target, for a per-target option.
    pub target: Option<Entity>,
    /// The winning score.
    pub score: f32,
    /// Considerations evaluated to choose.
    pub evaluations: u32,
}

/// A parsed, checked decision maker, ready to score agents. Made by
/// [`parse_decision_maker`](crate::parse_decision_maker) or
/// [`load_decision_maker`](crate::load_decision_maker).
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionMaker {
    name: String,
    options: Vec<CompiledOption>,
    considerations: Vec<Consideration>,
    /// Every piecewise curve's points, one after another.
    points: Vec<(Finite, Finite)>,
    commitment: f32,
    agent_mask: u32,
    target_mask: u32,
    /// True when some option is per-target: set when compiled, as every cache key asks.
    per_target: bool,
}

impl DecisionMaker {
    pub(crate) fn compile(name: String, definition: &DecisionMakerDef) -> Self {
        let mut considerations = Vec::new();
        let mut points = Vec::new();
        let mut options = Vec::with_capacity(definition.options.len());
        let (mut agent_mask, mut target_mask) = (0u32, 0u32);
        for option in definition.options.iter().take(MAX_OPTIONS) {
            let start = considerations.len();
            // Agent inputs first: they are scored once per option, before any target.
            let mut ordered: Vec<_> = option.considerations.iter().collect();
            ordered.sort_by_key(|c| matches!(c.input, InputRef::Target(_)));
            for consideration in ordered {
                let slot = match consideration.input {
                    InputRef::Agent(slot) => {
                        agent_mask |= 1 << slot;
                        slot
                    }
                    InputRef::Target(slot) => {
                        target_mask |= 1 << slot;
                        slot
                    }
                };
                let (low, high) = consideration
                    .range
                    .map_or((0.0, 1.0), |(low, high)| (low.0, high.0));
                let curve = consideration.curve.compile(points.len());
                if let ResponseCurve::Piecewise { points: own } = &consideration.curve {
                    points.extend_from_slice(own);
                }
                considerations.push(Consideration {
                    input: consideration.input,
                    slot: usize::from(slot),
                    low,
                    inverse_span: 1.0 / (high - low),
                    curve,
                });
            }
            let end = considerations.len();
            let first_target = (start..end)
                .find(|&index| matches!(considerations[index].input, InputRef::Target(_)))
                .unwrap_or(end);
            let count = end - start;
            options.push(CompiledOption {
                name: option.name.clone(),
                weight: option.weight.0,
                per_target: option.per_target,
                start,
                end,
                first_target,
                compensation: if count == 0 {
                    0.0
                } else {
                    1.0 - 1.0 / count as f32
                },
            });
        }
        let per_target = options.iter().any(|option| option.per_target);
        Self {
            name,
            options,
            considerations,
            points,
            commitment: definition.commitment.0,
            agent_mask,
            target_mask,
            per_target,
        }
    }

    /// The decision maker's name (its file name without `.ron`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many options it has.
    pub fn option_count(&self) -> usize {
        self.options.len()
    }

    /// Option `index`'s name.
    pub fn option_name(&self, index: u16) -> Option<&str> {
        self.options
            .get(usize::from(index))
            .map(|option| option.name.as_str())
    }

    /// The index of the option called `name`.
    pub fn option_index(&self, name: &str) -> Option<u16> {
        self.options
            .iter()
            .position(|option| option.name == name)
            .map(|index| index as u16)
    }

    /// True when some consideration reads agent input `slot`: sensors may skip the others.
    pub fn reads_agent_input(&self, slot: usize) -> bool {
        slot < 32 && self.agent_mask & (1 << slot) != 0
    }

    /// True when some consideration reads candidate input `slot`.
    pub fn reads_target_input(&self, slot: usize) -> bool {
        slot < 32 && self.target_mask & (1 << slot) != 0
    }

    /// True when some option is per-target: the agent needs candidates.
    pub fn wants_candidates(&self) -> bool {
        self.per_target
    }

    pub(crate) fn agent_mask(&self) -> u32 {
        self.agent_mask
    }

    pub(crate) fn target_mask(&self) -> u32 {
        self.target_mask
    }

    /// Scores every option for one agent and picks the best: the highest score wins, ties
    /// go to the earlier option and, within a per-target option, to the earlier candidate.
    /// `current` (the option and target the agent has) gets the commitment bonus. Every
    /// option's score lands in `scores`.
    pub fn decide(
        &self,
        inputs: &AiInputs,
        candidates: &AiCandidates,
        current: Option<(u16, Option<Entity>)>,
        scores: &mut [f32; MAX_OPTIONS],
    ) -> Choice {
        // The running best in locals, the `Choice` built once at the end: a struct
        // written field by field and read back whole stalls on store forwarding.
        let (mut best_option, mut best_target, mut best_score) = (None, None, 0.0f32);
        let mut evaluations = 0;
        for ((index, option), slot) in self.options.iter().enumerate().zip(scores.iter_mut()) {
            let index = index as u16;
            let (score, target, count) =
                self.score_option(option, index, inputs, candidates, current);
            evaluations += count;
            *slot = score;
            if score > best_score {
                best_option = Some(index);
                best_target = target;
                best_score = score;
            }
        }
        Choice {
            option: best_option,
            target: best_target,
            score: best_score,
            evaluations,
        }
    }

    /// Scores option `option` and, for a per-target one, finds its best candidate.
    /// Inlined into [`DecisionMaker::decide`]'s loop: an option that reads only the
    /// agent's inputs costs a few multiplications, not a call.
    #[inline(always)]
    fn score_option(
        &self,
        option: &CompiledOption,
        index: u16,
        inputs: &AiInputs,
        candidates: &AiCandidates,
        current: Option<(u16, Option<Entity>)>,
    ) -> (f32, Option<Entity>, u32) {
        // The commitment bonus's factor, and the target it is for.
        let (held, held_target) = match current {
            Some((held, target)) if held == index => (1.0 + self.commitment, target),
            _ => (1.0, None),
        };
        let agent = &self.considerations[option.start..option.first_target];
        let agent_part = self.agent_product(agent, option.compensation, &inputs.values);
        let evaluations = agent.len() as u32;
        if !option.per_target {
            return (option.weight * agent_part * held, None, evaluations);
        }
        if agent_part <= 0.0 {
            return (0.0, None, evaluations);
        }
        let (score, target, count) = self.best_target(
            option,
            option.weight * agent_part,
            held,
            held_target,
            candidates,
        );
        (score, target, evaluations + count)
    }

    /// A per-target option's best candidate and its score (`scale` times the candidate's
    /// product, times `held` for `held_target`), and the considerations it scored.
    #[inline(never)]
    fn best_target(
        &self,
        option: &CompiledOption,
        scale: f32,
        held: f32,
        held_target: Option<Entity>,
        candidates: &AiCandidates,
    ) -> (f32, Option<Entity>, u32) {
        let target = &self.considerations[option.first_target..option.end];
        let mut evaluations = 0;
        let mut best: (f32, Option<Entity>) = (0.0, None);
        for (entity, row) in candidates.entities().iter().zip(candidates.rows()) {
            let (target_part, count) = self.product(target, option.compensation, row);
            evaluations += count;
            let bonus = if held_target == Some(*entity) {
                held
            } else {
                1.0
            };
            let score = scale * target_part * bonus;
            if score > best.0 {
                best = (score, Some(*entity));
            }
        }
        (best.0, best.1, evaluations)
    }

    /// The compensated product of an option's agent considerations. Without
    /// [`DecisionMaker::product`]'s stop at a 0: an option has few of them, and the
    /// unbroken chain of multiplications is faster than a test after each.
    #[inline(always)]
    fn agent_product(
        &self,
        considerations: &[Consideration],
        compensation: f32,
        row: &[f32; MAX_INPUTS],
    ) -> f32 {
        // A loop, not `fold`: the fold was left as a call in the scoring loop.
        let mut product = 1.0;
        for consideration in considerations {
            product *= self.factor(consideration, compensation, row);
        }
        product
    }

    /// One consideration's compensated score, its input read from `row`.
    #[inline(always)]
    fn factor<const N: usize>(
        &self,
        consideration: &Consideration,
        compensation: f32,
        row: &[f32; N],
    ) -> f32 {
        // Slots are below N by construction; the remainder (a mask: N is a power of two)
        // spares the bounds check.
        let score = consideration.score(row[consideration.slot % N], &self.points);
        compensate(score, compensation)
    }

    /// The compensated product of `considerations` reading their inputs from `row`
    /// (an agent's inputs or a candidate's), stopping at a 0.
    #[inline(always)]
    fn product<const N: usize>(
        &self,
        considerations: &[Consideration],
        compensation: f32,
        row: &[f32; N],
    ) -> (f32, u32) {
        let mut product = 1.0;
        let mut evaluations = 0;
        for consideration in considerations {
            evaluations += 1;
            product *= self.factor(consideration, compensation, row);
            if product <= 0.0 {
                return (0.0, evaluations);
            }
        }
        (product, evaluations)
    }

    /// Writes why the agent would choose what it chooses now: every option's score and,
    /// for its best target, every consideration's input and score.
    pub fn explain(
        &self,
        inputs: &AiInputs,
        candidates: &AiCandidates,
        current: Option<(u16, Option<Entity>)>,
        out: &mut Explanation,
    ) {
        out.clear();
        let mut scores = [0.0; MAX_OPTIONS];
        let choice = self.decide(inputs, candidates, current, &mut scores);
        out.chosen = choice.option;
        for (index, option) in self.options.iter().enumerate() {
            let (score, target, _) =
                self.score_option(option, index as u16, inputs, candidates, current);
            let target_inputs = target
                .and_then(|entity| candidates.entities().iter().position(|e| *e == entity))
                .and_then(|slot| candidates.inputs(slot));
            let first = out.considerations.len();
            for consideration in &self.considerations[option.start..option.end] {
                let raw = consideration.raw(inputs, target_inputs);
                let score = consideration.score(raw, &self.points);
                out.push_consideration(consideration.input, raw, score);
            }
            out.push_option(index as u16, score, target, first);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::definition::parse_decision_maker;
    use crate::schema::AiSchema;

    fn maker(text: &str) -> DecisionMaker {
        let schema = AiSchema::new(&["health", "need"], &["distance", "weak"]).unwrap();
        parse_decision_maker(Path::new("test.ron"), text, &schema).unwrap()
    }

    fn inputs(health: f32, need: f32) -> AiInputs {
        let mut inputs = AiInputs::default();
        inputs.set(0, health);
        inputs.set(1, need);
        inputs
    }

    fn entity(index: u32) -> Entity {
        Entity::from_raw_u32(index).unwrap()
    }

    const NEEDS: &str = "(options: [
        (name: \"eat\", considerations: [(input: \"need\", curve: Linear(slope: 1.0))]),
        (name: \"flee\", considerations: [
            (input: \"health\", curve: Linear(slope: -1.0, intercept: 1.0)),
            (input: \"need\", curve: Step(threshold: 0.0))]),
        (name: \"hunt\", per_target: true, considerations: [
            (input: \"target.distance\", range: (0.0, 10.0), curve: Linear(slope: -1.0, intercept: 1.0)),
            (input: \"target.weak\", curve: Linear(slope: 0.5, intercept: 0.5))]),
    ])";

    #[test]
    fn only_a_decision_maker_with_a_per_target_option_wants_candidates() {
        assert!(maker(NEEDS).wants_candidates(), "hunt is per-target");
        let agent_only = maker(
            "(options: [
                (name: \"eat\", considerations: [(input: \"need\", curve: Linear(slope: 1.0))]),
                (name: \"idle\", weight: 0.1),
            ])",
        );
        assert!(!agent_only.wants_candidates());
    }

    #[test]
    fn the_best_option_wins_and_scores_are_exact() {
        let maker = maker(NEEDS);
        let mut scores = [0.0; MAX_OPTIONS];
        let choice = maker.decide(
            &inputs(0.9, 0.7),
            &AiCandidates::default(),
            None,
            &mut scores,
        );
        assert_eq!(choice.option, Some(0));
        assert_eq!(scores[0], 0.7);
        // flee: two considerations, 0.1 and 1.0, compensated by 1 − 1/2.
        let flee = (0.1 + 0.9 * 0.5 * 0.1) * 1.0;
        assert!((scores[1] - flee).abs() < 1e-6, "{}", scores[1]);
        assert_eq!(scores[2], 0.0, "no candidates, no hunt");
        let low = maker.decide(
            &inputs(0.05, 0.2),
            &AiCandidates::default(),
            None,
            &mut scores,
        );
        assert_eq!(low.option, Some(1), "flee when nearly dead");
    }

    #[test]
    fn per_target_options_keep_the_best_candidate() {
        let maker = maker(NEEDS);
        let mut candidates = AiCandidates::default();
        candidates.push(entity(1), &[8.0, 1.0]);
        candidates.push(entity(2), &[2.0, 0.0]);
        candidates.push(entity(3), &[2.0, 0.0]);
        let mut scores = [0.0; MAX_OPTIONS];
        let choice = maker.decide(&inputs(1.0, 0.0), &candidates, None, &mut scores);
        assert_eq!(choice.option, Some(2));
        assert_eq!(
            choice.target,
            Some(entity(2)),
            "near beats weak; ties go to the earlier"
        );
        assert_eq!(
            choice.evaluations,
            1 + 2 + 6,
            "eat 1, flee its 2 agent inputs, hunt 2 per candidate"
        );
    }

    #[test]
    fn commitment_holds_a_near_tie() {
        let maker = maker(
            "(commitment: 0.2, options: [
                (name: \"a\", considerations: [(input: \"need\", curve: Linear(slope: 1.0))]),
                (name: \"b\", considerations: [(input: \"health\", curve: Linear(slope: 1.0))]),
            ])",
        );
        let mut scores = [0.0; MAX_OPTIONS];
        let fresh = maker.decide(
            &inputs(0.55, 0.5),
            &AiCandidates::default(),
            None,
            &mut scores,
        );
        assert_eq!(fresh.option, Some(1));
        let held = maker.decide(
            &inputs(0.55, 0.5),
            &AiCandidates::default(),
            Some((0, None)),
            &mut scores,
        );
        assert_eq!(held.option, Some(0), "0.5 · 1.2 beats 0.55");
        let tie = maker.decide(
            &inputs(0.5, 0.5),
            &AiCandidates::default(),
            None,
            &mut scores,
        );
        assert_eq!(tie.option, Some(0), "ties go to the earlier option");
    }

    #[test]
    fn nothing_above_zero_is_no_choice() {
        let maker = maker(NEEDS);
        let mut scores = [0.0; MAX_OPTIONS];
        let choice = maker.decide(
            &inputs(1.0, 0.0),
            &AiCandidates::default(),
            None,
            &mut scores,
        );
        assert_eq!(choice.option, None);
    }

    #[test]
    fn the_explanation_matches_the_decision() {
        let maker = maker(NEEDS);
        let mut candidates = AiCandidates::default();
        candidates.push(entity(5), &[5.0, 1.0]);
        let mut explanation = Explanation::default();
        maker.explain(&inputs(0.2, 0.1), &candidates, None, &mut explanation);
        let mut scores = [0.0; MAX_OPTIONS];
        let choice = maker.decide(&inputs(0.2, 0.1), &candidates, None, &mut scores);
        assert_eq!(explanation.chosen(), choice.option);
        assert_eq!(explanation.options().len(), 3);
        let hunt = &explanation.options()[2];
        assert_eq!(hunt.score, scores[2]);
        assert_eq!(hunt.target, Some(entity(5)));
        let considered = explanation.considerations_of(2);
        assert_eq!(considered.len(), 2);
        assert_eq!(considered[0].raw, 5.0);
        assert_eq!(considered[0].score, 0.5);
        assert_eq!(considered[1].score, 1.0);
    }
}
