//! `AiPlugin` and the AI's system sets.

use bevy::app::{App, Plugin};
use bevy::asset::AssetPlugin;
use bevy::ecs::schedule::{IntoScheduleConfigs, SystemSet};
use cohort_sim::{ParIterSystems, SimPlugin, SimSchedule, SimSystems};

use crate::config::AiConfig;
use crate::decided::DecidedAgents;
use crate::explain::AiInspector;
use crate::hot_reload::add_hot_reload;
use crate::registry::DecisionMakers;
use crate::schema::AiSchema;
use crate::stats::AiStats;
use crate::systems::{AiTickState, evaluate_decisions, select_due_agents};

/// Where the AI runs in [`SimSchedule`].
///
/// [`Select`](Self::Select) opens [`SimSystems::Sense`]: order your sensors after it, so
/// they sense only the agents scored this tick ([`AiAgent::is_selected`](crate::AiAgent::is_selected)).
/// [`Evaluate`](Self::Evaluate) and then [`Output`](Self::Output) run in
/// [`SimSystems::Decide`]: act on [`Decision`](crate::Decision)s in `Output` or later.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AiSystems {
    /// Picks the agents due this tick within the budget.
    Select,
    /// Scores them, in parallel, and explains the watched one.
    Evaluate,
    /// Decisions become orders (the `actions` bridge, or your systems).
    Output,
}

/// Batched utility AI: each tick, the agents due (their staggered think tick came, they are
/// urgent, or they waited too long) are picked within the budget, their inputs are sensed
/// by your systems, and they are scored in parallel by their
/// [`DecisionMaker`](crate::DecisionMaker) into a [`Decision`](crate::Decision).
///
/// Adds [`SimPlugin`] if missing, [`AiConfig`] from [`AiPlugin::config`], the
/// [`DecisionMakers`] given, [`AiStats`] and [`AiInspector`]; with Bevy's `AssetPlugin`
/// added before it, each decision maker's file is watched and edits apply while the game
/// runs (enable the `hot_reload` feature for the file watcher).
///
/// ```
/// use bevy::prelude::*;
/// use cohort_ai::prelude::*;
/// use cohort_sim::prelude::*;
///
/// let schema = AiSchema::new(&["hunger"], &[]).unwrap();
/// let maker = parse_decision_maker(
///     "ai/needs.ai.ron".as_ref(),
///     "(options: [
///         (name: \"eat\", considerations: [(input: \"hunger\", curve: Linear(slope: 1.0))]),
///         (name: \"idle\", weight: 0.3),
///     ])",
///     &schema,
/// )
/// .unwrap();
/// let mut makers = DecisionMakers::default();
/// let needs = makers.insert("ai/needs.ai.ron".into(), maker);
///
/// let mut app = App::new();
/// app.add_plugins((
///     MinimalPlugins,
///     SimPlugin::default().fast_forward(1),
///     AiPlugin::new(schema).with_makers(makers),
/// ));
/// let id = app.world_mut().resource_mut::<SimIdAllocator>().allocate();
/// let mut inputs = AiInputs::default();
/// inputs.set(0, 0.9);
/// let agent = app.world_mut().spawn((id, AiAgent::new(needs), inputs)).id();
/// app.run_sim_ticks(1);
/// let decision = app.world().get::<Decision>(agent).unwrap();
/// assert_eq!(decision.option(), Some(0), "hungry: eat");
/// ```
#[derive(Debug, Clone)]
pub struct AiPlugin {
    /// The inputs the game's sensors write.
    pub schema: AiSchema,
    /// The run-time settings to start with.
    pub config: AiConfig,
    /// The decision makers, loaded at build time.
    pub makers: DecisionMakers,
}

impl AiPlugin {
    /// The AI with `schema`, default settings and no decision makers yet.
    pub fn new(schema: AiSchema) -> Self {
        Self {
            schema,
            config: AiConfig::default(),
            makers: DecisionMakers::default(),
        }
    }

    /// With these settings.
    pub fn with_config(mut self, config: AiConfig) -> Self {
        self.config = config;
        self
    }

    /// With these decision makers.
    pub fn with_makers(mut self, makers: DecisionMakers) -> Self {
        self.makers = makers;
        self
    }
}

impl Plugin for AiPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<SimPlugin>() {
            app.add_plugins(SimPlugin::default());
        }
        if app.is_plugin_added::<AssetPlugin>() {
            add_hot_reload(app, self.schema.clone());
        }
        app.insert_resource(self.schema.clone())
            .insert_resource(self.config.clone())
            .insert_resource(self.makers.clone())
            .init_resource::<AiStats>()
            .init_resource::<AiTickState>()
            .init_resource::<DecidedAgents>()
            .init_resource::<AiInspector>()
            .configure_sets(
                SimSchedule,
                (
                    AiSystems::Select.in_set(SimSystems::Sense),
                    (AiSystems::Evaluate, AiSystems::Output)
                        .chain()
                        .in_set(SimSystems::Decide),
                ),
            )
            .add_systems(
                SimSchedule,
                (
                    select_due_agents
                        .in_set(AiSystems::Select)
                        .in_set(ParIterSystems),
                    evaluate_decisions
                        .in_set(AiSystems::Evaluate)
                        .in_set(ParIterSystems),
                ),
            );
    }
}
