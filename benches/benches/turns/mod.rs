//! Apps taking turns: on a machine shared with other work, turns of a few updates each
//! spread the noise evenly over the apps compared, which one app's run after another's
//! does not.

use std::time::{Duration, Instant};

use bevy::app::App;

/// The median and the fastest of one app's updates.
pub struct TurnTimes {
    pub median: Duration,
    pub fastest: Duration,
}

/// Runs `rounds` rounds in which every app of `apps` runs `updates` updates in turn,
/// timing each update; returns each app's median and fastest, in `apps`' order.
pub fn take_turns(apps: &mut [&mut App], rounds: usize, updates: usize) -> Vec<TurnTimes> {
    let mut times = vec![Vec::with_capacity(rounds * updates); apps.len()];
    for _ in 0..rounds {
        for (app, times) in apps.iter_mut().zip(&mut times) {
            for _ in 0..updates {
                let started = Instant::now();
                app.update();
                times.push(started.elapsed());
            }
        }
    }
    times
        .into_iter()
        .map(|mut times| {
            times.sort_unstable();
            TurnTimes {
                median: times.get(times.len() / 2).copied().unwrap_or_default(),
                fastest: times.first().copied().unwrap_or_default(),
            }
        })
        .collect()
}
