//! [`BattlePlugin`]: the reference battle on top of [`SimSchedule`].

use bevy::app::{App, Plugin, Startup};
use bevy::ecs::prelude::*;
use bevy::log::warn;
use bevy::math::Vec2;
use cohort_actions::ActionSystems;
use cohort_ai::{AiPlugin, AiSystems, DecisionActionsAppExt, queue_decided_actions};
use cohort_sim::{ParIterSystems, SimConfig, SimHashAppExt, SimPlugin, SimSchedule, SimSystems};

use crate::ai::{
    BattleOrders, UnitMinds, aim_at_decisions, battle_ai_config, battle_ai_schema, sense_battle,
};
use crate::data::LoadedScenario;
use crate::effects::ActiveEffects;
use crate::events::add_battle_events;
use crate::grid::SpatialGrid;
use crate::health::Health;
use crate::orders::add_battle_orders;
use crate::outcome::{BattleLedger, BattleStatus};
use crate::rules::BattleRules;
use crate::spawn::{BattleScenario, presize_for_deaths, spawn_battle};
use crate::systems::{
    apply_damage, apply_effects, attack_targets, cast_support, despawn_dead, move_units,
    rebuild_spatial_grid, recompute_stats, run_waits, tick_effects, update_battle_status,
};
use crate::unit_types::UnitTypes;
use crate::{AttackCooldown, Position, SupportCooldown, Team};

/// Runs a battle from a loaded scenario.
///
/// At `Startup` it spawns the scenario's teams. Each tick of [`SimSchedule`]:
///
/// | phase | systems |
/// |---|---|
/// | `Sense` | [`rebuild_spatial_grid`]; `cohort_ai` picks the units that think this tick; [`sense_battle`]: their inputs and candidates (nearest enemies, wounded allies) |
/// | `Decide` | `cohort_ai` scores them with their kind's decision maker (`assets/ai/`); [`BattleOrders`] turns each decision into [`Order`](crate::Order)s in its action queue; [`aim_at_decisions`] |
/// | `Act` | the orders merge into the queues and advance (`cohort_actions`), then one system per kind of order: [`move_units`], [`attack_targets`], [`cast_support`], [`run_waits`], writing [`Damage`](crate::Damage) and [`EffectCast`](crate::EffectCast) events |
/// | (flush) | damage summed per target; damage and casts ordered by target, then source `SimId` |
/// | `Resolve` | [`apply_damage`], [`apply_effects`], [`tick_effects`], [`recompute_stats`]; deaths as [`Death`](crate::Death) events |
/// | (flush) | [`DeathFlush`](crate::DeathFlush) |
/// | `Cleanup` | [`despawn_dead`] (the tick's deaths), [`update_battle_status`] |
///
/// When one team is left, or at the tick limit, [`BattleStatus::outcome`] is set and the
/// simulation pauses. Adds [`SimPlugin`] with the scenario's tick rate and seed if the app
/// has none, and adds the AI (`cohort_ai`'s `AiPlugin`, with the scenario's decision
/// makers) itself: an app that adds its own `AiPlugin` as well is refused with a message
/// that says so.
///
/// ```no_run
/// use bevy::prelude::*;
/// use cohort_battle::prelude::*;
///
/// let scenario = load_scenario("assets/scenarios/skirmish.ron".as_ref()).unwrap();
/// App::new()
///     .add_plugins((MinimalPlugins, BattlePlugin::new(scenario)))
///     .run();
/// ```
#[derive(Debug, Clone)]
pub struct BattlePlugin {
    /// The battle to run.
    pub scenario: LoadedScenario,
}

impl BattlePlugin {
    /// A battle of `scenario`.
    pub fn new(scenario: LoadedScenario) -> Self {
        Self { scenario }
    }
}

impl Plugin for BattlePlugin {
    fn build(&self, app: &mut App) {
        let scenario = &self.scenario.scenario;
        if !app.is_plugin_added::<SimPlugin>() {
            app.add_plugins(
                SimPlugin::default()
                    .with_tick_rate(scenario.tick_rate)
                    .with_seed(scenario.seed),
            );
        }
        let teams = scenario.teams.len();
        add_battle_events(
            app,
            usize::try_from(self.scenario.total_units()).unwrap_or(usize::MAX),
        );
        add_battle_orders(
            app,
            u32::try_from(self.scenario.total_units()).unwrap_or(u32::MAX),
        );
        let orders = app.world().get_resource::<SimConfig>().map_or_else(
            || BattleOrders::new(&SimConfig::default()),
            BattleOrders::new,
        );
        assert!(
            !app.is_plugin_added::<AiPlugin>(),
            "cohort: BattlePlugin adds its own AiPlugin (its decision makers come from the \
             scenario); remove the app's AiPlugin, or run the battle's systems without \
             BattlePlugin"
        );
        app.add_plugins(
            AiPlugin::new(battle_ai_schema())
                .with_makers(self.scenario.ai.makers.clone())
                .with_config(battle_ai_config(self.scenario.total_units())),
        )
        .insert_resource(UnitMinds(self.scenario.ai.by_kind.clone()))
        .add_decision_actions(orders);
        let map = Vec2::new(scenario.map.width as f32, scenario.map.height as f32);
        let sight = scenario.sight as f32;
        app.insert_resource(UnitTypes(self.scenario.unit_types.clone()))
            .insert_resource(BattleRules {
                map,
                sight,
                tick_limit: scenario.tick_limit,
                damage_variance: scenario.damage_variance as f32,
                team_names: scenario
                    .teams
                    .iter()
                    .map(|team| team.name.clone())
                    .collect(),
            })
            .insert_resource(SpatialGrid::new(map, (sight / 8.0).clamp(1.0, 64.0), teams))
            .insert_resource(BattleScenario(self.scenario.clone()))
            .insert_resource(BattleLedger {
                deaths: vec![0; teams],
                ..BattleLedger::default()
            })
            .insert_resource(BattleStatus {
                alive: vec![0; teams],
                outcome: None,
            })
            .hash_component::<Team>()
            .hash_component::<Position>()
            .hash_component::<Health>()
            .hash_component::<ActiveEffects>()
            .hash_component::<AttackCooldown>()
            .hash_component::<SupportCooldown>()
            .add_systems(Startup, spawn_battle)
            .add_systems(
                SimSchedule,
                (
                    rebuild_spatial_grid.in_set(SimSystems::Sense),
                    sense_battle
                        .in_set(SimSystems::Sense)
                        .after(rebuild_spatial_grid)
                        .after(AiSystems::Select)
                        .in_set(ParIterSystems),
                    aim_at_decisions
                        .in_set(AiSystems::Output)
                        .after(queue_decided_actions::<BattleOrders>)
                        .in_set(ParIterSystems),
                    (move_units, attack_targets, cast_support, run_waits)
                        .chain()
                        .in_set(ActionSystems::Run)
                        .in_set(ParIterSystems),
                    (
                        apply_damage,
                        apply_effects,
                        (tick_effects, recompute_stats)
                            .chain()
                            .in_set(ParIterSystems),
                    )
                        .chain()
                        .in_set(SimSystems::Resolve),
                    (despawn_dead, update_battle_status)
                        .chain()
                        .in_set(SimSystems::Cleanup)
                        .before(ActionSystems::Reclaim),
                ),
            );
    }

    fn finish(&self, app: &mut App) {
        let units = usize::try_from(self.scenario.total_units()).unwrap_or(usize::MAX);
        presize_for_deaths(app.world_mut(), units);
        let wanted = self.scenario.scenario.tick_rate;
        if let Some(config) = app.world().get_resource::<SimConfig>()
            && config.tick_rate != wanted
        {
            warn!(
                "cohort: SimPlugin runs at {} ticks/s but scenario {:?} was compiled for {wanted}; \
                 cooldowns and effects will run at the wrong speed",
                config.tick_rate, self.scenario.scenario.name
            );
        }
    }
}
