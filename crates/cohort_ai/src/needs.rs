//! The "needs" workload: a complete, small use of the AI that tests, benches and the
//! example share. Each agent has four needs that rise 0.1 a tick; its decision maker
//! scores one option per need (the need through a linear curve) and an idle option; the
//! chosen option satisfies its need when it scores 0.8 or more.

use std::path::Path;

use bevy::app::App;
use bevy::ecs::prelude::*;
use cohort_sim::{ParIterSystems, SimIdAllocator, SimSchedule, SimSystems, SimTick};

use crate::agent::AiAgent;
use crate::components::{AiInputs, Decision};
use crate::config::AiConfig;
use crate::definition::parse_decision_maker;
use crate::plugin::{AiPlugin, AiSystems};
use crate::registry::{DecisionMakerId, DecisionMakers};
use crate::schema::AiSchema;

/// The needs, in input slot order.
pub const NEEDS: [&str; 4] = ["hunger", "thirst", "fatigue", "boredom"];

/// How much each need rises per tick.
pub const NEED_RISE: f32 = 0.1;

/// The score at which the chosen option satisfies its need.
pub const SATISFIED_AT: f32 = 0.8;

/// The decision maker: one option per need, then idle.
pub const NEEDS_AI: &str = r#"(
    options: [
        (name: "eat", considerations: [(input: "hunger", curve: Linear(slope: 1.0))]),
        (name: "drink", considerations: [(input: "thirst", curve: Linear(slope: 1.0))]),
        (name: "sleep", considerations: [(input: "fatigue", curve: Linear(slope: 1.0))]),
        (name: "play", considerations: [(input: "boredom", curve: Linear(slope: 1.0))]),
        (name: "idle", weight: 0.05),
    ],
)"#;

/// The schema of the needs workload: the four needs, no target inputs.
pub fn needs_schema() -> AiSchema {
    AiSchema::new(&NEEDS, &[]).expect("four inputs fit")
}

/// [`NEEDS_AI`] parsed, registered as `ai/needs.ai.ron`.
pub fn needs_makers() -> (DecisionMakers, DecisionMakerId) {
    let maker = parse_decision_maker(Path::new("ai/needs.ai.ron"), NEEDS_AI, &needs_schema())
        .expect("the needs decision maker is valid");
    let mut makers = DecisionMakers::default();
    let id = makers.insert("ai/needs.ai.ron".into(), maker);
    (makers, id)
}

/// The AI for the needs workload under `config` (its schema and [`NEEDS_AI`]), and the
/// decision maker's id to spawn agents with.
pub fn needs_plugin(config: AiConfig) -> (AiPlugin, DecisionMakerId) {
    let (makers, id) = needs_makers();
    let plugin = AiPlugin::new(needs_schema())
        .with_makers(makers)
        .with_config(config);
    (plugin, id)
}

/// An agent's needs, from 0 (satisfied) to 1.
#[derive(Component, Debug, Clone, Copy, PartialEq, Default)]
pub struct Needs(pub [f32; 4]);

impl Needs {
    /// The needs agent `index` starts with: staggered by index, so that agents do not
    /// all reach the threshold on the same tick.
    pub fn staggered(index: u64) -> Self {
        let start = (index % 8) as f32 * NEED_RISE;
        Self([
            start,
            (start + 0.3) % 1.0,
            (start + 0.5) % 1.0,
            (start + 0.7) % 1.0,
        ])
    }
}

/// Times each agent had a need satisfied.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Satisfied(pub u32);

/// Spawns `count` needs agents with `SimId`s; their needs start staggered by id.
pub fn spawn_needs_agents(app: &mut App, maker: DecisionMakerId, count: u32) {
    let world = app.world_mut();
    let ids: Vec<_> = {
        let mut allocator = world.resource_mut::<SimIdAllocator>();
        (0..count).map(|_| allocator.allocate()).collect()
    };
    world.spawn_batch(ids.into_iter().map(move |id| {
        (
            id,
            AiAgent::new(maker),
            Needs::staggered(id.0),
            Satisfied(0),
        )
    }));
}

/// Needs rise; the selected agents' inputs are their needs.
pub fn sense_needs(mut agents: Query<(&AiAgent, &mut Needs, &mut AiInputs)>) {
    agents
        .par_iter_mut()
        .for_each(|(agent, mut needs, mut inputs)| {
            for need in &mut needs.0 {
                *need = (*need + NEED_RISE).min(1.0);
            }
            if agent.is_selected() {
                inputs.values[..4].copy_from_slice(&needs.0);
            }
        });
}

/// The chosen need is satisfied when its option scored [`SATISFIED_AT`] or more. Only
/// the agents selected this tick can have a fresh decision: the others are passed over
/// without reading theirs.
pub fn satisfy_needs(
    tick: Res<SimTick>,
    mut agents: Query<(&AiAgent, &Decision, &mut Needs, &mut Satisfied)>,
) {
    let tick = tick.get();
    agents
        .par_iter_mut()
        .for_each(|(agent, decision, mut needs, mut satisfied)| {
            if !agent.is_selected() {
                return;
            }
            let Some(option) = decision.option().map(usize::from) else {
                return;
            };
            if decision.is_fresh(tick) && option < 4 && decision.score() >= SATISFIED_AT {
                needs.0[option] = 0.0;
                satisfied.0 += 1;
            }
        });
}

/// Adds the needs systems: sensing after selection, satisfying after the decisions.
pub fn add_needs_systems(app: &mut App) {
    app.add_systems(
        SimSchedule,
        (
            sense_needs
                .in_set(SimSystems::Sense)
                .after(AiSystems::Select)
                .in_set(ParIterSystems),
            satisfy_needs
                .in_set(AiSystems::Output)
                .in_set(ParIterSystems),
        ),
    );
}
