//! `PassClock`: a time budget's deadline for one scoring pass.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The time budget's deadline for one scoring pass, shared by its threads. The budget is
/// first turned into a decision count from the cost of recent decisions; this stops the
/// pass where that count was too many for this tick (a slower tick, a preempted thread).
pub(crate) struct PassClock {
    deadline: Instant,
    spent: AtomicBool,
}

impl PassClock {
    /// Turns between two looks at the clock: reading it costs about what a turn does.
    const EVERY: u32 = 8;
    /// The longest budget honoured, so that the deadline is always representable.
    const LONGEST: Duration = Duration::from_secs(3_600);

    /// The deadline `micros` after `started` (none, or not a number, is zero).
    pub(crate) fn new(started: Instant, micros: f32) -> Self {
        let budget = Duration::try_from_secs_f64(f64::from(micros.max(0.0)) * 1e-6)
            .map_or(Self::LONGEST, |budget| budget.min(Self::LONGEST));
        Self {
            deadline: started + budget,
            spent: AtomicBool::new(false),
        }
    }

    /// True once the time is spent: this task looks at the clock every [`Self::EVERY`]
    /// calls (`turns` counts down to the next look), and once any task has found it
    /// spent, every task knows at its next call.
    #[inline]
    pub(crate) fn is_spent(&self, turns: &mut u32) -> bool {
        if self.spent.load(Relaxed) {
            return true;
        }
        if *turns == 0 {
            *turns = Self::EVERY;
            if Instant::now() >= self.deadline {
                self.spent.store(true, Relaxed);
                return true;
            }
        }
        *turns -= 1;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_or_not_a_number_budget_is_spent_at_the_first_look() {
        for micros in [0.0, -5.0, f32::NAN] {
            let clock = PassClock::new(Instant::now(), micros);
            assert!(clock.is_spent(&mut 0), "{micros}");
            // Known spent: every later call says so without a look.
            assert!(clock.is_spent(&mut 3), "{micros}");
        }
    }

    #[test]
    fn a_long_budget_looks_every_few_turns_and_is_not_spent() {
        for micros in [1e9, f32::INFINITY] {
            let clock = PassClock::new(Instant::now(), micros);
            let mut turns = 0;
            for _ in 0..100 {
                assert!(!clock.is_spent(&mut turns), "{micros}");
                assert!(turns < PassClock::EVERY);
            }
        }
    }
}
