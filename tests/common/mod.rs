//! Helpers shared by the integration tests: scratch asset folders and headless battles.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use bevy::app::App;
use cohort_battle::headless::build_battle_app;
use cohort_battle::{BattleStatus, LoadedScenario, load_scenario};
use cohort_sim::SimAppExt;

/// A scratch `assets/`-like folder with `units/`, `scenarios/` and the repository's `ai/`,
/// removed on drop.
pub struct ScratchAssets {
    pub root: PathBuf,
}

impl ScratchAssets {
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let root = std::env::temp_dir().join(format!(
            "cohort-test-{}-{}-{name}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(root.join("units")).expect("temp dir is writable");
        std::fs::create_dir_all(root.join("scenarios")).expect("temp dir is writable");
        // The repository's decision makers, so unit files may name them (`ai: "melee"`).
        std::fs::create_dir_all(root.join("ai")).expect("temp dir is writable");
        for file in std::fs::read_dir(repo_assets().join("ai")).expect("assets/ai exists") {
            let file = file.expect("assets/ai is readable").path();
            let name = file.file_name().expect("a file has a name");
            std::fs::copy(&file, root.join("ai").join(name)).expect("temp dir is writable");
        }
        Self { root }
    }

    /// Writes `units/<name>.ron`.
    pub fn unit(&self, name: &str, text: &str) -> PathBuf {
        self.write(&format!("units/{name}.ron"), text)
    }

    /// Writes `scenarios/<name>.ron`.
    pub fn scenario(&self, name: &str, text: &str) -> PathBuf {
        self.write(&format!("scenarios/{name}.ron"), text)
    }

    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.root.join(relative);
        std::fs::write(&path, text).expect("temp dir is writable");
        path
    }
}

impl Drop for ScratchAssets {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A unit file with every stat given.
pub fn unit_ron(health: f64, armor: f64, damage: f64, range: f64, extra: &str) -> String {
    format!(
        "(health: {health:?}, armor: {armor:?}, damage: {damage:?}, range: {range:?}, speed: 3.0, \
         attack_cooldown: 1.0, radius: 0.5, {extra})"
    )
}

/// A two-team scenario: `red` and `blue`, each a list of `(kind, count)`, 10 apart.
pub fn two_teams(red: &[(&str, u32)], blue: &[(&str, u32)], extra: &str) -> String {
    let units = |list: &[(&str, u32)]| {
        list.iter()
            .map(|(kind, count)| format!("(kind: {kind:?}, count: {count})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "(name: \"test\", map: (width: 40.0, height: 40.0), seed: 1, {extra} teams: [\
         (name: \"red\", center: (15.0, 20.0), formation: Block(spacing: 1.0), units: [{}]),\
         (name: \"blue\", center: (25.0, 20.0), formation: Block(spacing: 1.0), units: [{}])])",
        units(red),
        units(blue)
    )
}

/// The repository's asset folder.
pub fn repo_assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

/// Loads one of the repository's scenarios.
pub fn repo_scenario(name: &str) -> LoadedScenario {
    let path = repo_assets().join("scenarios").join(format!("{name}.ron"));
    load_scenario(&path).unwrap_or_else(|error| panic!("{error}"))
}

/// A headless battle app, plugins finished, nothing run yet.
pub fn battle_app(scenario: LoadedScenario) -> App {
    build_battle_app(scenario, None)
}

/// Runs `app` until its battle ends or `max_ticks` pass; returns the ticks run.
pub fn run_to_end(app: &mut App, max_ticks: u64) -> u64 {
    let mut ran = 0;
    while ran < max_ticks && app.world().resource::<BattleStatus>().outcome.is_none() {
        ran += app.run_sim_ticks(1);
    }
    ran
}
