//! The battle's minds: one `cohort_ai` decision maker per kind of unit (melee, archer,
//! healer, mage, in `assets/ai/`), the sensors that feed them, and the bridge that turns
//! their decisions into orders.

use std::path::Path;

use bevy::ecs::prelude::*;
use cohort_actions::{ActionWriter, Queued};
use cohort_ai::{
    AiAgent, AiCandidates, AiConfig, AiInputs, AiSchema, DecidedAgents, DecidedContext, Decision,
    DecisionActions, DecisionMakerId, DecisionMakers, MAX_CANDIDATES,
};
use cohort_sim::{SimConfig, SimTick};

use crate::data::{LoadError, UnitType};
use crate::grid::SpatialGrid;
use crate::health::Health;
use crate::orders::{
    FALL_BACK_SECONDS, Morale, Order, REGROUP_SECONDS, RETREAT_HEALTH_SHARE, RETREAT_PRIORITY,
    RETREAT_SECONDS, SUPPORT_PRIORITY,
};
use crate::rules::BattleRules;
use crate::unit_types::UnitTypes;
use crate::{Position, SupportCooldown, Target, Team, UnitKind};

/// Agent input slots: what each unit senses about itself.
pub mod input {
    /// Health over maximum health.
    pub const HEALTH: usize = 0;
    /// 1 until the unit has fallen back once.
    pub const CAN_RETREAT: usize = 1;
    /// 1 when the unit has a support ability and it is ready.
    pub const SUPPORT_READY: usize = 2;
    /// 1 when an enemy is in sight.
    pub const ENEMY_IN_SIGHT: usize = 3;
    /// The nearest enemy's distance over the unit's own attack reach (1: just in reach).
    pub const THREAT: usize = 4;
}

/// Candidate input slots: what a unit senses about each enemy or ally it may target.
pub mod target_input {
    /// Distance in world units.
    pub const DISTANCE: usize = 0;
    /// 1 for an enemy, 0 for an ally.
    pub const ENEMY: usize = 1;
    /// Its health over its maximum.
    pub const HEALTH: usize = 2;
    /// 1 when within reach: attack reach for an enemy, support reach for an ally.
    pub const IN_REACH: usize = 3;
    /// Enemies within the unit's splash radius of it (itself included).
    pub const CLUSTER: usize = 4;
}

/// The names the battle's decision-maker files use, in slot order.
pub fn battle_ai_schema() -> AiSchema {
    AiSchema::new(
        &[
            "health",
            "can_retreat",
            "support_ready",
            "enemy_in_sight",
            "threat",
        ],
        &["distance", "enemy", "health", "in_reach", "cluster"],
    )
    .expect("the battle's schema fits the dense components")
}

/// The most enemies a unit weighs per decision (the nearest).
pub const ENEMY_CANDIDATES: usize = 4;

/// The most wounded allies a support unit weighs per decision (the most wounded).
pub const ALLY_CANDIDATES: usize = 4;

const _: () = assert!(ENEMY_CANDIDATES + ALLY_CANDIDATES <= MAX_CANDIDATES);

/// Decision makers of the battle's unit types, and which one each type thinks with.
#[derive(Debug, Clone, PartialEq)]
pub struct BattleAi {
    /// Every decision maker, loaded from the AI folder.
    pub makers: DecisionMakers,
    /// By unit kind.
    pub by_kind: Vec<DecisionMakerId>,
}

impl BattleAi {
    /// Loads `<ai_dir>/<name>.ai.ron` for every unit type's `ai`; registered by the path
    /// relative to `ai_dir`'s parent (the asset folder), which is what hot reload watches.
    /// A name with no file is an error on the unit file (in `unit_dir`) that names it.
    pub fn load(
        ai_dir: &Path,
        unit_dir: &Path,
        unit_types: &[UnitType],
    ) -> Result<Self, LoadError> {
        let schema = battle_ai_schema();
        let root = ai_dir.parent().unwrap_or(Path::new("."));
        let folder = ai_dir.file_name().map_or_else(
            || Path::new("ai").to_path_buf(),
            |name| Path::new(name).to_path_buf(),
        );
        let mut makers = DecisionMakers::default();
        let mut by_kind = Vec::with_capacity(unit_types.len());
        for unit in unit_types {
            let file = folder.join(format!("{}.ai.ron", unit.ai));
            if !root.join(&file).is_file() {
                return Err(LoadError::at_field(
                    &unit_dir.join(format!("{}.ron", unit.name)),
                    "ai",
                    format!(
                        "no decision maker {:?}: {} is not a file",
                        unit.ai,
                        root.join(&file).display()
                    ),
                ));
            }
            let id = makers.load(root, file, &schema)?;
            by_kind.push(id);
        }
        Ok(Self { makers, by_kind })
    }
}

/// LOD tiers of the battle's units: an enemy in sight but out of reach, in a fight (the
/// target within reach), no enemy in sight.
pub mod lod {
    /// An enemy is in sight, the unit is not yet fighting: it thinks most often.
    pub const CLOSING_IN: u8 = 0;
    /// Its target is within reach: it fights on and thinks less often (its target's
    /// death or its own wounds make it urgent).
    pub const FIGHTING: u8 = 1;
    /// No enemy in sight: it marches on.
    pub const MARCHING: u8 = 2;
}

/// The battle's AI settings for `units` units: think every 16 ticks while closing in or
/// marching, every 32 while fighting (a target's death or a unit's wounds make it urgent
/// at once), and score at most a tenth of the army a tick.
pub fn battle_ai_config(units: u64) -> AiConfig {
    let budget = u32::try_from(units / 10).unwrap_or(u32::MAX).max(256);
    AiConfig {
        max_decisions_per_tick: Some(budget),
        think_every: [16, 32, 16, 64],
        max_staleness_ticks: 64,
        ..AiConfig::default()
    }
}

/// The health share at which a unit that has not yet retreated asks for a decision.
const RETREAT_SHARE: f32 = 1.0 / RETREAT_HEALTH_SHARE as f32;

/// Which decision maker each unit kind thinks with.
#[derive(Resource, Debug, Clone, Default)]
pub struct UnitMinds(pub Vec<DecisionMakerId>);

impl UnitMinds {
    /// The decision maker of `kind`.
    pub fn of(&self, kind: UnitKind) -> DecisionMakerId {
        self.0.get(usize::from(kind.0)).copied().unwrap_or_default()
    }
}

/// Every tick, for every unit: counts the support cooldown down, follows its target, and
/// asks for a new decision when the target is gone or it is about to break. For the units
/// scored this tick it writes their inputs and candidates: the nearest enemies in sight
/// and, when a support ability is ready, the most wounded allies in its reach.
pub fn sense_battle(
    grid: Res<SpatialGrid>,
    rules: Res<BattleRules>,
    types: Res<UnitTypes>,
    makers: Res<DecisionMakers>,
    mut units: Query<(
        (&Team, &UnitKind, &Position, &Health),
        (&mut AiAgent, &mut AiInputs, &mut AiCandidates, &Decision),
        (&mut Target, &mut SupportCooldown, &mut Morale),
        &cohort_actions::ActionQueue<Order>,
    )>,
    positions: Query<&Position>,
) {
    units.par_iter_mut().for_each(
        |(
            (team, kind, position, health),
            (mut agent, mut inputs, mut candidates, decision),
            (mut target, mut cooldown, mut morale),
            queue,
        )| {
            if cooldown.0 > 0 {
                cooldown.0 -= 1;
            }
            if matches!(queue.current(), Some(Order::Retreat)) && !morale.retreated {
                morale.retreated = true;
            }
            let share = health.current as f32 / health.max.max(1) as f32;
            if let Some(enemy) = target.entity {
                match positions.get(enemy) {
                    Ok(at) => target.position = at.0,
                    Err(_) => agent.make_urgent(),
                }
            }
            // Nothing to do (a regroup ended, or its target fell): decide now, not at
            // its next think slot.
            if decision.decided_at().is_some() && queue.is_idle() {
                agent.make_urgent();
            }
            let wounded = share <= RETREAT_SHARE;
            if wounded != morale.wounded {
                morale.wounded = wounded;
                if wounded && !morale.retreated {
                    agent.make_urgent();
                }
            }
            if !agent.is_selected() {
                return;
            }
            let unit = types.get(*kind);
            let wants_cluster = makers
                .get(agent.maker)
                .is_some_and(|maker| maker.reads_target_input(target_input::CLUSTER));
            let reach = |radius: f32| unit.range + unit.radius + radius;
            let enemies = grid.nearest_enemies::<ENEMY_CANDIDATES>(team.0, position.0, rules.sight);
            candidates.clear();
            let mut nearest_threat = f32::INFINITY;
            for (distance_squared, enemy) in enemies.iter() {
                let distance = distance_squared.sqrt();
                let reach = reach(enemy.radius);
                nearest_threat = nearest_threat.min(distance / reach.max(0.01));
                let cluster = if wants_cluster && unit.splash > 0.0 {
                    let mut count = 0u32;
                    grid.for_each_ally_within(enemy.team, enemy.position, unit.splash, |_| {
                        count += 1;
                    });
                    count as f32
                } else {
                    1.0
                };
                candidates.push(
                    enemy.entity,
                    &[
                        distance,
                        1.0,
                        enemy.health_share,
                        f32::from(u8::from(distance <= reach)),
                        cluster,
                    ],
                );
            }
            let ready = unit.support.filter(|_| cooldown.0 == 0);
            if let Some((_, range, _)) = ready {
                push_wounded_allies(
                    &grid,
                    team,
                    position,
                    range + unit.radius * 2.0,
                    &mut candidates,
                );
            }
            inputs.set(input::HEALTH, share);
            inputs.set(input::CAN_RETREAT, f32::from(u8::from(!morale.retreated)));
            inputs.set(input::SUPPORT_READY, f32::from(u8::from(ready.is_some())));
            inputs.set(
                input::ENEMY_IN_SIGHT,
                f32::from(u8::from(!enemies.is_empty())),
            );
            inputs.set(input::THREAT, nearest_threat.min(1e6));
        },
    );
}

/// Adds the most wounded allies within `reach`, most wounded first, ties to the lower id.
fn push_wounded_allies(
    grid: &SpatialGrid,
    team: &Team,
    position: &Position,
    reach: f32,
    candidates: &mut AiCandidates,
) {
    const ALLIES: usize = ALLY_CANDIDATES;
    let mut wounded: [(i32, u64, Option<crate::GridEntry>); ALLIES] = [(0, 0, None); ALLIES];
    let mut kept = 0;
    grid.for_each_ally_within(team.0, position.0, reach, |ally| {
        if ally.missing <= 0 {
            return;
        }
        let worse = |(missing, id, _): &(i32, u64, Option<crate::GridEntry>)| {
            ally.missing > *missing || (ally.missing == *missing && ally.id.0 < *id)
        };
        let at = wounded[..kept].iter().position(worse).unwrap_or(kept);
        if at >= ALLIES {
            return;
        }
        let last = kept.min(ALLIES - 1);
        wounded.copy_within(at..last, at + 1);
        wounded[at] = (ally.missing, ally.id.0, Some(*ally));
        kept = (kept + 1).min(ALLIES);
    });
    for (_, _, ally) in &wounded[..kept] {
        let Some(ally) = ally else { continue };
        let distance = position.0.distance(ally.position);
        candidates.push(ally.entity, &[distance, 0.0, ally.health_share, 1.0, 0.0]);
    }
}

/// Option names the battle's bridge knows, whatever file they come from.
fn is_attack(option: &str) -> bool {
    matches!(option, "engage" | "shoot" | "blast")
}

/// Points each unit decided this tick ([`DecidedAgents`]) at its decision's enemy (or,
/// advancing, at the nearest enemy army), and sets its [`lod`] tier.
pub fn aim_at_decisions(
    tick: Res<SimTick>,
    decided: Res<DecidedAgents>,
    grid: Res<SpatialGrid>,
    types: Res<UnitTypes>,
    makers: Res<DecisionMakers>,
    mut units: Query<(
        &Team,
        &UnitKind,
        &Position,
        &Decision,
        &AiInputs,
        &mut AiAgent,
        &mut Target,
    )>,
    bodies: Query<(&Position, &UnitKind)>,
) {
    let tick = tick.get();
    let aim = |(team, kind, position, decision, inputs, mut agent, mut target): (
        &Team,
        &UnitKind,
        &Position,
        &Decision,
        &AiInputs,
        Mut<AiAgent>,
        Mut<Target>,
    )| {
        // Selection's flag first: it spares reading the undecided agents' decisions.
        if !agent.is_selected() || !decision.is_fresh(tick) {
            return;
        }
        let option = decision
            .option()
            .and_then(|option| makers.get(agent.maker)?.option_name(option));
        let unit = types.get(*kind);
        match (option, decision.target()) {
            (Some(option), Some(enemy)) if is_attack(option) => {
                if let Ok((at, enemy_kind)) = bodies.get(enemy) {
                    *target = Target {
                        entity: Some(enemy),
                        position: at.0,
                        reach: unit.range + unit.radius + types.get(*enemy_kind).radius,
                    };
                }
            }
            (Some("advance"), _) => {
                *target = Target {
                    entity: None,
                    position: grid
                        .nearest_enemy_center(team.0, position.0)
                        .unwrap_or(position.0),
                    reach: unit.range + unit.radius,
                };
            }
            _ => {}
        }
        let lod = if inputs.get(input::ENEMY_IN_SIGHT) < 0.5 {
            lod::MARCHING
        } else if target.entity.is_some() && position.0.distance(target.position) <= target.reach {
            lod::FIGHTING
        } else {
            lod::CLOSING_IN
        };
        if agent.lod != lod {
            agent.lod = lod;
        }
    };
    let mut each = units.iter_many_mut(decided.entities());
    while let Some(unit) = each.fetch_next() {
        aim(unit);
    }
}

/// The battle's bridge from decisions to orders: `engage`, `shoot` and `blast` attack
/// the chosen enemy, `advance` marches, `support` casts on the chosen ally ahead of the
/// attack, `retreat` falls back once and regroups, `fall_back` steps away for a moment.
#[derive(Resource, Debug, Clone, Copy)]
pub struct BattleOrders {
    /// Ticks a retreat lasts at most.
    pub retreat_ticks: u32,
    /// Ticks of the wait after a retreat.
    pub regroup_ticks: u32,
    /// Ticks a step back lasts at most.
    pub fall_back_ticks: u32,
}

impl BattleOrders {
    /// The durations in ticks at `config`'s tick rate.
    pub fn new(config: &SimConfig) -> Self {
        let ticks = |seconds: f64| {
            (seconds / f64::from(config.tick_seconds()))
                .round()
                .max(1.0) as u32
        };
        Self {
            retreat_ticks: ticks(RETREAT_SECONDS),
            regroup_ticks: ticks(REGROUP_SECONDS),
            fall_back_ticks: ticks(FALL_BACK_SECONDS),
        }
    }
}

impl DecisionActions for BattleOrders {
    type Action = Order;

    fn order(&self, decided: &DecidedContext<'_, Order>, orders: &ActionWriter<Order>) {
        // A retreat, a regroup, a step back or a cast runs out before anything new.
        if matches!(
            decided.current,
            Some(Order::Retreat | Order::Wait { .. } | Order::FallBack | Order::Support { .. })
        ) {
            return;
        }
        let unit = decided.agent;
        let wanted = match (decided.option, decided.target) {
            (Some("retreat"), _) => {
                orders.scope(|orders| {
                    orders.replace(
                        unit,
                        Queued::new(Order::Retreat)
                            .with_priority(RETREAT_PRIORITY)
                            .with_timeout(self.retreat_ticks),
                    );
                    orders.push_back(
                        unit,
                        Order::Wait {
                            ticks: self.regroup_ticks,
                        },
                    );
                });
                return;
            }
            (Some("fall_back"), _) => {
                orders.push_front(
                    unit,
                    Queued::new(Order::FallBack)
                        .with_priority(SUPPORT_PRIORITY)
                        .with_timeout(self.fall_back_ticks),
                );
                return;
            }
            (Some("support"), Some(ally)) => {
                orders.push_front(
                    unit,
                    Queued::new(Order::Support { ally }).with_priority(SUPPORT_PRIORITY),
                );
                return;
            }
            (Some(option), Some(target)) if is_attack(option) => Order::Attack { target },
            (Some("advance"), _) => Order::Advance,
            _ => return,
        };
        if decided.current != Some(&wanted) {
            orders.replace(unit, Queued::new(wanted).resumable());
        }
    }
}
