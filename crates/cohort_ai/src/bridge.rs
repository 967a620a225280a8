//! Decisions become queued actions (`cohort_actions`), with the `actions` feature.

use bevy::app::App;
use bevy::ecs::prelude::*;
use cohort_actions::{ActionQueue, ActionWriter};
use cohort_sim::{ParIterSystems, SimSchedule};

use crate::agent::AiAgent;
use crate::components::Decision;
use crate::config::AiConfig;
use crate::decided::DecidedAgents;
use crate::plugin::AiSystems;
use crate::registry::DecisionMakers;

/// One fresh decision, as [`DecisionActions::order`] sees it.
#[derive(Debug)]
pub struct DecidedContext<'a, A> {
    /// The agent.
    pub agent: Entity,
    /// The chosen option's name, `None` when nothing scored above 0.
    pub option: Option<&'a str>,
    /// The chosen target, for a per-target option.
    pub target: Option<Entity>,
    /// The whole decision.
    pub decision: &'a Decision,
    /// The action the agent is doing now, if it has a queue and a current action.
    pub current: Option<&'a A>,
}

/// A resource that turns fresh decisions into orders of action type `Action`; it holds
/// whatever settings the mapping needs (durations in ticks, priorities).
pub trait DecisionActions: Resource {
    /// The action type the decisions become.
    type Action: Send + Sync + 'static;

    /// Writes the orders for one fresh decision: replace the queue, push to its front, or
    /// nothing when the agent already does what was decided. Called in parallel.
    fn order(
        &self,
        decided: &DecidedContext<'_, Self::Action>,
        orders: &ActionWriter<Self::Action>,
    );
}

/// Connects decisions to action queues.
pub trait DecisionActionsAppExt {
    /// Inserts `mapping` and, every tick in [`AiSystems::Output`], passes each agent decided
    /// that tick to it; the orders reach the queues in this tick's `Act`. A second call
    /// with the same type replaces the resource and adds no second system.
    fn add_decision_actions<R: DecisionActions>(&mut self, mapping: R) -> &mut Self;
}

impl DecisionActionsAppExt for App {
    fn add_decision_actions<R: DecisionActions>(&mut self, mapping: R) -> &mut Self {
        let first = !self.world().contains_resource::<R>();
        self.insert_resource(mapping);
        if first {
            self.add_systems(
                SimSchedule,
                queue_decided_actions::<R>
                    .in_set(AiSystems::Output)
                    .in_set(ParIterSystems),
            );
        }
        self
    }
}

/// Passes each agent decided this tick ([`DecidedAgents`]) to the game's
/// [`DecisionActions`]: in parallel when the tick made many decisions, else serially.
pub fn queue_decided_actions<R: DecisionActions>(
    config: Res<AiConfig>,
    decided: Res<DecidedAgents>,
    makers: Res<DecisionMakers>,
    mapping: Res<R>,
    orders: ActionWriter<R::Action>,
    agents: Query<(Entity, &AiAgent, &Decision, Option<&ActionQueue<R::Action>>)>,
) {
    let order = |(agent, ai, decision, queue): (
        Entity,
        &AiAgent,
        &Decision,
        Option<&ActionQueue<R::Action>>,
    )| {
        let option = decision
            .option()
            .and_then(|option| makers.get(ai.maker)?.option_name(option));
        let decided = DecidedContext {
            agent,
            option,
            target: decision.target(),
            decision,
            current: queue.and_then(ActionQueue::current),
        };
        mapping.order(&decided, &orders);
    };
    let decided = decided.entities();
    if config.parallel_for(decided.len()) {
        agents.par_iter_many(decided).for_each(order);
    } else {
        agents.iter_many(decided).for_each(order);
    }
}
