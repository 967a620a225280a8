//! Batched utility AI on its own: 10,000 agents with four needs think through one
//! decision maker under a budget, and one agent's choice is explained.
//!
//! ```text
//! cargo run --release --example utility_ai
//! ```

use bevy::prelude::*;
use cohort::cohort_ai::needs::{
    Satisfied, add_needs_systems, needs_makers, needs_schema, spawn_needs_agents,
};
use cohort::prelude::*;

fn main() {
    let (makers, needs) = needs_makers();
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        SimPlugin::default().fast_forward(1),
        AiPlugin::new(needs_schema())
            .with_makers(makers)
            .with_config(AiConfig {
                // At most 2,000 agents are scored a tick; the rest wait their turn.
                max_decisions_per_tick: Some(2_000),
                ..AiConfig::default()
            }),
    ));
    add_needs_systems(&mut app);
    spawn_needs_agents(&mut app, needs, 10_000);
    let watched = app
        .world_mut()
        .query_filtered::<Entity, With<AiAgent>>()
        .iter(app.world())
        .next()
        .expect("agents were spawned");
    app.world_mut().resource_mut::<AiInspector>().watched = Some(watched);

    app.run_sim_ticks(120);

    let summary = app.world().resource::<AiStats>().summary();
    println!(
        "{} decisions in 120 ticks: {:.0}% from cache, budget used p95 {:.0}%, \
         longest wait {} ticks, scoring p95 {:.0} us",
        summary.decisions,
        summary.cache_hit_ratio * 100.0,
        summary.budget_used_p95.unwrap_or(0.0) * 100.0,
        summary.staleness_ticks_max,
        summary.eval_us_p95
    );
    let mut satisfied = app.world_mut().query::<&Satisfied>();
    let total: u32 = satisfied.iter(app.world()).map(|s| s.0).sum();
    println!("needs satisfied: {total}");

    let world = app.world();
    let makers = world.resource::<DecisionMakers>();
    let schema = world.resource::<AiSchema>();
    let maker = makers.get(needs).expect("registered");
    if let Some((agent, _, tick, explanation)) = world.resource::<AiInspector>().explanation() {
        let chosen = explanation
            .chosen()
            .and_then(|option| maker.option_name(option));
        println!(
            "agent {agent} on tick {tick} chose {}:",
            chosen.unwrap_or("nothing")
        );
        for line in explanation.options() {
            let name = maker.option_name(line.option).unwrap_or("?");
            println!("  {name:>6} {:.2}", line.score);
            for consideration in explanation.considerations_of(line.option) {
                println!(
                    "         {} = {:.2} scores {:.2}",
                    schema.name_of(consideration.input),
                    consideration.raw,
                    consideration.score
                );
            }
        }
    }
}
