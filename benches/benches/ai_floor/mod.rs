//! A floor beside `cohort_ai` at its intended think rate: the needs rule staggered by
//! hand, each agent every 8 ticks, in the four passes (selection, the game's
//! sensor, scoring, the game's reader), each a plain `par_iter_mut` over every agent
//! with components of the AI's sizes. No budget, cache, stats, priorities or decision
//! makers: what any design of that shape pays before it does anything more.

use bevy::prelude::*;
use cohort_ai::needs::{NEED_RISE, Needs, SATISFIED_AT, Satisfied};
use cohort_sim::{ParIterSystems, SimSchedule, SimSystems, SimTick};

/// Each agent thinks every this many ticks, in runs of `RUN` consecutive agents per
/// phase, as the bench's staggered `cohort_ai` case does (its `STAGGER_RUN`).
const EVERY: u64 = 8;
const RUN: u32 = 64;

/// An agent's turn, 16 bytes as `AiAgent` is: selected this tick, and when next.
#[derive(Component)]
struct Turn {
    selected: bool,
    phase: u32,
    next_due: u64,
}

/// What the sensor gives the scoring: 64 bytes, as `AiInputs`.
#[derive(Component, Default)]
struct Sensed([f32; 16]);

/// The choice: an option (a need, or idle) and its score.
#[derive(Component, Default)]
struct Chosen {
    option: Option<u8>,
    score: f32,
}

/// The score of the idle option in `cohort_ai::needs::NEEDS_AI`.
const IDLE: f32 = 0.05;

/// The rule's choice by hand: the highest need and its index, or idle's score and none
/// when no need beats it (of equal needs, the first).
pub fn best_need(needs: &[f32]) -> (f32, Option<usize>) {
    let mut best = (IDLE, None);
    for (index, &need) in needs.iter().enumerate() {
        if need > best.0 {
            best = (need, Some(index));
        }
    }
    best
}

fn select(tick: Res<SimTick>, mut agents: Query<&mut Turn>) {
    let tick = tick.get();
    agents.par_iter_mut().for_each(|mut turn| {
        let due = tick >= turn.next_due;
        if due || turn.selected {
            let turn = &mut *turn;
            turn.selected = due;
            if due {
                turn.next_due = tick + EVERY - (tick + u64::from(turn.phase)) % EVERY;
            }
        }
    });
}

fn sense(mut agents: Query<(&Turn, &mut Needs, &mut Sensed)>) {
    agents
        .par_iter_mut()
        .for_each(|(turn, mut needs, mut sensed)| {
            for need in &mut needs.0 {
                *need = (*need + NEED_RISE).min(1.0);
            }
            if turn.selected {
                sensed.0[..4].copy_from_slice(&needs.0);
            }
        });
}

fn score(mut agents: Query<(&Turn, &Sensed, &mut Chosen)>) {
    agents
        .par_iter_mut()
        .for_each(|(turn, sensed, mut chosen)| {
            if !turn.selected {
                return;
            }
            let (score, option) = best_need(&sensed.0[..4]);
            *chosen = Chosen {
                option: option.map(|index| index as u8),
                score,
            };
        });
}

fn satisfy(mut agents: Query<(&Turn, &Chosen, &mut Needs, &mut Satisfied)>) {
    agents
        .par_iter_mut()
        .for_each(|(turn, chosen, mut needs, mut satisfied)| {
            if !turn.selected {
                return;
            }
            if let Some(option) = chosen.option
                && chosen.score >= SATISFIED_AT
            {
                needs.0[usize::from(option)] = 0.0;
                satisfied.0 += 1;
            }
        });
}

/// Adds the four passes and `agents` agents to `app`, needs staggered as in
/// `cohort_ai::needs::spawn_needs_agents`.
pub fn add_four_passes(app: &mut App, agents: u32) {
    app.add_systems(
        SimSchedule,
        (
            (select, sense).chain().in_set(SimSystems::Sense),
            (score, satisfy).chain().in_set(SimSystems::Decide),
        )
            .in_set(ParIterSystems),
    );
    app.world_mut().spawn_batch((0..agents).map(|index| {
        let turn = Turn {
            selected: false,
            phase: index / RUN,
            next_due: 0,
        };
        let needs = Needs::staggered(u64::from(index));
        (
            turn,
            needs,
            Sensed::default(),
            Chosen::default(),
            Satisfied(0),
        )
    }));
}
