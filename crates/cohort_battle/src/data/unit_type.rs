//! Unit types: one RON file per type under `assets/units/`, named after the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::LoadError;
use super::read_ron_file;
use super::validate::{number_above, number_in};
use crate::effects::{Effect, EffectKind};
use crate::health::{Hp, hp_from_points};

/// The largest health, armor, damage or effect amount a data file may give, in points.
const MAX_POINTS: f64 = 1_000_000.0;
/// The longest cooldown or effect a data file may give, in seconds.
const MAX_SECONDS: f64 = 3_600.0;
/// The largest range, speed or radius a data file may give, in world units.
const MAX_DISTANCE: f64 = 10_000.0;

/// A unit type as written in `assets/units/<name>.ron`. Times are in seconds and
/// distances in world units; they become ticks when a scenario fixes the tick rate.
///
/// ```ron
/// (health: 120.0, armor: 4.0, damage: 14.0, range: 0.8, speed: 3.2,
///  attack_cooldown: 1.0, radius: 0.5, on_hit: Some(Slow(factor: 0.5, seconds: 2.0)))
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitTypeFile {
    /// Hit points at spawn.
    pub health: f64,
    /// Subtracted from each attack's damage (at least 1% of a point always gets through).
    pub armor: f64,
    /// Damage of one attack, before the target's armor.
    pub damage: f64,
    /// How far beyond both units' radii an attack reaches.
    pub range: f64,
    /// World units per second.
    pub speed: f64,
    /// Seconds between two attacks.
    pub attack_cooldown: f64,
    /// The unit's body radius.
    pub radius: f64,
    /// An effect each attack puts on the target.
    #[serde(default)]
    pub on_hit: Option<EffectSpec>,
    /// An effect the unit puts on its most wounded ally in range, every so often.
    #[serde(default)]
    pub support: Option<SupportSpec>,
    /// Each attack also hits every enemy within this distance of the target.
    #[serde(default)]
    pub splash: Option<f64>,
    /// The decision maker the unit thinks with: `assets/ai/<ai>.ai.ron` (`melee` when
    /// left out).
    #[serde(default)]
    pub ai: Option<String>,
}

/// A timed effect as written in a unit file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum EffectSpec {
    /// Loses `per_second` health each second, through armor and shields.
    DamageOverTime {
        /// Points per second.
        per_second: f64,
        /// How long it lasts.
        seconds: f64,
    },
    /// Gains `per_second` health each second, up to the maximum.
    HealOverTime {
        /// Points per second.
        per_second: f64,
        /// How long it lasts.
        seconds: f64,
    },
    /// Moves at `1 - factor` of its speed.
    Slow {
        /// The share of speed taken away, from 0 to 1.
        factor: f64,
        /// How long it lasts.
        seconds: f64,
    },
    /// Absorbs up to `amount` damage before health is touched.
    Shield {
        /// Points absorbed.
        amount: f64,
        /// How long it lasts.
        seconds: f64,
    },
}

/// A support ability as written in a unit file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportSpec {
    /// What it puts on the ally.
    pub effect: EffectSpec,
    /// How far it reaches beyond twice the caster's radius (its own edge and that of an
    /// ally its size; allies are found by their centres).
    pub range: f64,
    /// Seconds between two uses.
    pub cooldown: f64,
}

/// A unit type ready for the simulation: amounts in [`Hp`], times in ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitType {
    /// The file stem it was loaded from (`soldier` for `soldier.ron`).
    pub name: String,
    /// Maximum health.
    pub health: Hp,
    /// Armor subtracted from each attack.
    pub armor: Hp,
    /// Damage per attack before armor.
    pub damage: Hp,
    /// Attack reach beyond both radii.
    pub range: f32,
    /// World units per second.
    pub speed: f32,
    /// Ticks between attacks, at least 1.
    pub attack_cooldown_ticks: u32,
    /// Body radius.
    pub radius: f32,
    /// Effect put on the target by each attack.
    pub on_hit: Option<Effect>,
    /// Effect put on allies, its reach and its cooldown in ticks.
    pub support: Option<(Effect, f32, u32)>,
    /// Splash radius around the target of each attack; 0 for none.
    pub splash: f32,
    /// The decision maker's name (`melee` for `assets/ai/melee.ai.ron`).
    pub ai: String,
}

/// The decision maker a unit type without an `ai` field thinks with.
pub const DEFAULT_AI: &str = "melee";

impl UnitTypeFile {
    /// Checks every number and turns seconds into ticks at `tick_rate`.
    pub fn compile(&self, name: &str, path: &Path, tick_rate: f64) -> Result<UnitType, LoadError> {
        number_above(path, "health", self.health, 0.0, MAX_POINTS)?;
        number_in(path, "armor", self.armor, 0.0, MAX_POINTS)?;
        number_in(path, "damage", self.damage, 0.0, MAX_POINTS)?;
        number_in(path, "range", self.range, 0.0, MAX_DISTANCE)?;
        number_in(path, "speed", self.speed, 0.0, MAX_DISTANCE)?;
        number_above(
            path,
            "attack_cooldown",
            self.attack_cooldown,
            0.0,
            MAX_SECONDS,
        )?;
        number_above(path, "radius", self.radius, 0.0, MAX_DISTANCE)?;
        let splash = self.splash.unwrap_or(0.0);
        number_in(path, "splash", splash, 0.0, MAX_DISTANCE)?;
        let ai = self.ai.clone().unwrap_or_else(|| DEFAULT_AI.to_string());
        if ai.is_empty()
            || !ai
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(LoadError::at_field(
                path,
                "ai",
                format!("{ai:?} is not a decision maker name (letters, digits, `_` and `-`)"),
            ));
        }
        let on_hit = match &self.on_hit {
            Some(spec) => Some(spec.compile(path, "on_hit", tick_rate)?),
            None => None,
        };
        let support = match &self.support {
            Some(support) => {
                number_in(path, "support.range", support.range, 0.0, MAX_DISTANCE)?;
                number_above(path, "support.cooldown", support.cooldown, 0.0, MAX_SECONDS)?;
                let effect = support.effect.compile(path, "support.effect", tick_rate)?;
                Some((
                    effect,
                    support.range as f32,
                    seconds_to_ticks(support.cooldown, tick_rate),
                ))
            }
            None => None,
        };
        Ok(UnitType {
            name: name.to_string(),
            health: hp_from_points(self.health),
            armor: hp_from_points(self.armor),
            damage: hp_from_points(self.damage),
            range: self.range as f32,
            speed: self.speed as f32,
            attack_cooldown_ticks: seconds_to_ticks(self.attack_cooldown, tick_rate),
            radius: self.radius as f32,
            on_hit,
            support,
            splash: splash as f32,
            ai,
        })
    }
}

impl EffectSpec {
    fn compile(&self, path: &Path, field: &str, tick_rate: f64) -> Result<Effect, LoadError> {
        let (kind, amount_field, amount, seconds) = match *self {
            EffectSpec::DamageOverTime {
                per_second,
                seconds,
            } => (
                EffectKind::DamageOverTime,
                "per_second",
                per_second,
                seconds,
            ),
            EffectSpec::HealOverTime {
                per_second,
                seconds,
            } => (EffectKind::HealOverTime, "per_second", per_second, seconds),
            EffectSpec::Slow { factor, seconds } => (EffectKind::Slow, "factor", factor, seconds),
            EffectSpec::Shield { amount, seconds } => {
                (EffectKind::Shield, "amount", amount, seconds)
            }
        };
        let max_amount = if kind == EffectKind::Slow {
            1.0
        } else {
            MAX_POINTS
        };
        number_in(
            path,
            &format!("{field}.{amount_field}"),
            amount,
            0.0,
            max_amount,
        )?;
        number_above(path, &format!("{field}.seconds"), seconds, 0.0, MAX_SECONDS)?;
        let magnitude = match kind {
            EffectKind::DamageOverTime | EffectKind::HealOverTime => {
                hp_from_points(amount / tick_rate).max(1)
            }
            EffectKind::Slow => (amount * 1000.0).round() as i32,
            EffectKind::Shield => hp_from_points(amount),
        };
        Ok(Effect {
            kind,
            magnitude,
            ticks: seconds_to_ticks(seconds, tick_rate),
        })
    }
}

/// Whole ticks covering `seconds`, at least one.
fn seconds_to_ticks(seconds: f64, tick_rate: f64) -> u32 {
    (seconds * tick_rate)
        .round()
        .clamp(1.0, f64::from(u32::MAX)) as u32
}

/// Reads every `*.ron` file in `dir` as a [`UnitTypeFile`], sorted by name.
pub fn load_unit_types(dir: &Path) -> Result<Vec<(String, PathBuf, UnitTypeFile)>, LoadError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| LoadError::new(dir, format!("cannot read the unit directory: {error}")))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "ron"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(LoadError::new(dir, "holds no unit files (*.ron)"));
    }
    paths
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .ok_or_else(|| LoadError::new(&path, "the file name is not valid UTF-8"))?
                .to_string();
            let file = read_ron_file::<UnitTypeFile>(&path)?;
            Ok((name, path, file))
        })
        .collect()
}
