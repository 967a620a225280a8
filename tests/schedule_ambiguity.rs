//! No two systems of the battle's tick touch the same data in an undefined order: such a
//! pair would make the outcome depend on how the executor happens to schedule them.

mod common;

use bevy::ecs::schedule::{LogLevel, ScheduleBuildSettings};
use cohort_sim::SimSchedule;

#[test]
fn sim_schedule_has_no_ambiguous_systems() {
    let mut app = common::battle_app(common::repo_scenario("duel"));
    app.edit_schedule(SimSchedule, |schedule| {
        schedule.set_build_settings(ScheduleBuildSettings {
            ambiguity_detection: LogLevel::Error,
            ..ScheduleBuildSettings::default()
        });
    });
    let result = app
        .world_mut()
        .try_schedule_scope(SimSchedule, |world, schedule| {
            schedule.initialize(world).map(|_| ())
        })
        .expect("SimPlugin adds SimSchedule");
    if let Err(error) = result {
        panic!("SimSchedule has ambiguous systems:\n{error}");
    }
}
