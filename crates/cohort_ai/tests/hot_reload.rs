//! Editing a decision-maker file changes decisions while the app runs; a broken edit is
//! reported with its file and line, and the last good definition stays in force.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy::asset::AssetPlugin;
use bevy::prelude::*;
use cohort_ai::needs::{NEEDS_AI, needs_schema};
use cohort_ai::{AiAgent, AiInputs, AiPlugin, Decision, DecisionMakerId, DecisionMakers};
use cohort_sim::{SimIdAllocator, SimPlugin};

/// A scratch asset folder, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const FILE: &str = "ai/needs.ai.ron";

/// Updates `app` until `done` holds, for at most 30 seconds; returns whether it did.
fn update_until(app: &mut App, mut done: impl FnMut(&mut App) -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        app.update();
        if done(app) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn option_of(app: &App, agent: Entity) -> Option<u16> {
    app.world()
        .get::<Decision>(agent)
        .and_then(Decision::option)
}

#[test]
fn an_edited_file_changes_decisions_and_a_broken_one_keeps_the_last_good() {
    let root = std::env::temp_dir().join(format!("cohort-ai-reload-{}", std::process::id()));
    let scratch = Scratch(root.clone());
    std::fs::create_dir_all(root.join("ai")).unwrap();
    std::fs::write(root.join(FILE), NEEDS_AI).unwrap();

    let schema = needs_schema();
    let mut makers = DecisionMakers::default();
    let id = makers.load(&root, FILE, &schema).unwrap();
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin {
            file_path: root.to_string_lossy().into_owned(),
            watch_for_changes_override: Some(true),
            ..default()
        },
        SimPlugin::default().fast_forward(1),
        AiPlugin::new(schema).with_makers(makers),
    ));
    let sim_id = app.world_mut().resource_mut::<SimIdAllocator>().allocate();
    let mut inputs = AiInputs::default();
    inputs.set(0, 0.9); // hunger
    inputs.set(1, 0.5); // thirst
    let agent = app
        .world_mut()
        .spawn((sim_id, AiAgent::new(id), inputs))
        .id();

    // Hungry: eat. Give the asset server time to load and start watching the file.
    assert!(update_until(&mut app, |app| option_of(app, agent) == Some(0)));
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..10 {
        app.update();
    }

    // Food is now worth little: drink wins, without a restart.
    let edited = NEEDS_AI.replacen(
        "(name: \"eat\", considerations",
        "(name: \"eat\", weight: 0.1, considerations",
        1,
    );
    assert_ne!(edited, NEEDS_AI);
    std::fs::write(root.join(FILE), &edited).unwrap();
    assert!(
        update_until(&mut app, |app| option_of(app, agent) == Some(1)),
        "the edit reached the running app"
    );
    let makers = app.world().resource::<DecisionMakers>();
    assert_eq!(makers.entry(id).unwrap().generation, 1);

    // A NaN on line 3: reported with file and line; the edited definition stays.
    let broken = edited.replacen("Linear(slope: 1.0)", "Linear(slope: NaN)", 1);
    std::fs::write(root.join(FILE), &broken).unwrap();
    let error_of = |app: &App, id: DecisionMakerId| {
        app.world()
            .resource::<DecisionMakers>()
            .entry(id)
            .and_then(|entry| entry.error.clone())
    };
    assert!(update_until(&mut app, |app| error_of(app, id).is_some()));
    let error = error_of(&app, id).unwrap().to_string();
    assert!(error.starts_with("ai/needs.ai.ron:3:"), "{error}");
    assert!(error.contains("not a finite number"), "{error}");
    for _ in 0..10 {
        app.update();
    }
    assert_eq!(
        option_of(&app, agent),
        Some(1),
        "the last good definition decides"
    );
    let makers = app.world().resource::<DecisionMakers>();
    assert_eq!(makers.entry(id).unwrap().generation, 1);
    drop(scratch);
}
