//! A headless needs app for the integration tests.

#![allow(dead_code)]

use bevy::prelude::*;
use cohort_ai::needs::{add_needs_systems, needs_plugin, spawn_needs_agents};
use cohort_ai::{AiConfig, DecisionMakerId};
use cohort_sim::{SimPlugin, task_pool_options};

/// `agents` needs agents on `threads` compute threads, one tick per update.
pub fn needs_app(threads: usize, agents: u32, config: AiConfig) -> (App, DecisionMakerId) {
    let (mut app, id) = bare_app(threads, config);
    add_needs_systems(&mut app);
    spawn_needs_agents(&mut app, id, agents);
    (app, id)
}

/// The AI with the needs decision maker, and no agents or systems of the game.
pub fn bare_app(threads: usize, config: AiConfig) -> (App, DecisionMakerId) {
    let (plugin, id) = needs_plugin(config);
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins.set(TaskPoolPlugin {
            task_pool_options: task_pool_options(threads),
        }),
        SimPlugin::default().fast_forward(1),
        plugin,
    ));
    (app, id)
}
