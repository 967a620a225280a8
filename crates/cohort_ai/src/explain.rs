//! Why an agent chose what it chose: every option's score and every consideration's
//! input and score, for one watched agent.

use bevy::ecs::entity::Entity;
use bevy::ecs::resource::Resource;

use crate::registry::DecisionMakerId;
use crate::schema::InputRef;

/// One option's line in an [`Explanation`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionScore {
    /// The option's index in its decision maker.
    pub option: u16,
    /// Its score (commitment included).
    pub score: f32,
    /// Its best target, for a per-target option.
    pub target: Option<Entity>,
    first: u32,
    count: u32,
}

/// One consideration's line: the input it read and the score it gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConsiderationScore {
    /// The input (name it with [`AiSchema::name_of`](crate::AiSchema::name_of)).
    pub input: InputRef,
    /// The input's value.
    pub raw: f32,
    /// The curve's score, before compensation.
    pub score: f32,
}

/// The scores behind one decision. Its buffers keep their capacity, so refreshing it
/// every decision allocates nothing after the first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Explanation {
    pub(crate) chosen: Option<u16>,
    options: Vec<OptionScore>,
    pub(crate) considerations: Vec<ConsiderationScore>,
}

impl Explanation {
    pub(crate) fn clear(&mut self) {
        self.chosen = None;
        self.options.clear();
        self.considerations.clear();
    }

    pub(crate) fn push_consideration(&mut self, input: InputRef, raw: f32, score: f32) {
        self.considerations
            .push(ConsiderationScore { input, raw, score });
    }

    pub(crate) fn push_option(
        &mut self,
        option: u16,
        score: f32,
        target: Option<Entity>,
        first: usize,
    ) {
        self.options.push(OptionScore {
            option,
            score,
            target,
            first: first as u32,
            count: (self.considerations.len() - first) as u32,
        });
    }

    /// The option chosen, `None` when nothing scored above 0.
    pub fn chosen(&self) -> Option<u16> {
        self.chosen
    }

    /// Every option's score, in the decision maker's order.
    pub fn options(&self) -> &[OptionScore] {
        &self.options
    }

    /// The considerations of option `option`, for its best target.
    pub fn considerations_of(&self, option: u16) -> &[ConsiderationScore] {
        self.options
            .iter()
            .find(|line| line.option == option)
            .map_or(&[], |line| {
                let first = line.first as usize;
                &self.considerations[first..first + line.count as usize]
            })
    }
}

/// Watch one agent: each time it is scored, [`AiInspector::explanation`] is refreshed
/// with the scores behind its choice. Every scored agent's per-option scores are on its
/// [`DecisionScores`](crate::DecisionScores); this adds the considerations for the watched
/// one.
#[derive(Resource, Debug, Clone, Default)]
pub struct AiInspector {
    /// The agent to explain; `None` explains nobody.
    pub watched: Option<Entity>,
    pub(crate) explained: Option<(Entity, DecisionMakerId, u64)>,
    pub(crate) explanation: Explanation,
}

impl AiInspector {
    /// The watched agent's last explanation: the agent, its decision maker and the tick,
    /// and the scores. `None` until it is first scored while watched.
    pub fn explanation(&self) -> Option<(Entity, DecisionMakerId, u64, &Explanation)> {
        let (agent, maker, tick) = self.explained?;
        (Some(agent) == self.watched).then_some((agent, maker, tick, &self.explanation))
    }
}
