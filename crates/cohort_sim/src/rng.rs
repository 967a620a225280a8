//! Seeded, counter-based randomness that does not depend on draw order.
//!
//! A parallel system cannot share one generator without making its results depend on which
//! thread drew first. Instead every draw is keyed: [`SimRng::stream`] derives a small,
//! independent generator from the run's seed, a stable entity id, the tick and a salt that
//! names the purpose. The same key gives the same numbers on any thread count.

use bevy::ecs::resource::Resource;

use crate::SimId;
use crate::hash::mix64;

/// The run's seed. Read it to derive per-entity, per-tick generators with [`SimRng::stream`].
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SimRng {
    seed: u64,
}

impl SimRng {
    /// A source of randomness for a run with this seed.
    pub const fn new(seed: u64) -> Self {
        Self { seed }
    }

    /// The run's seed.
    pub const fn seed(&self) -> u64 {
        self.seed
    }

    /// A generator for one entity, one tick and one purpose (`salt`).
    ///
    /// Two calls with the same arguments return generators that yield the same numbers.
    pub fn stream(&self, id: SimId, tick: u64, salt: u64) -> TickRng {
        let key = mix64(self.seed ^ mix64(id.0 ^ mix64(tick ^ mix64(salt))));
        TickRng { state: key }
    }
}

impl Default for SimRng {
    fn default() -> Self {
        Self::new(0x0C0_4027)
    }
}

/// A small SplitMix64 generator returned by [`SimRng::stream`]. Cheap to create and copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickRng {
    state: u64,
}

impl TickRng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// A float uniformly distributed in `[0, 1)`.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }

    /// A float uniformly distributed in `[low, high)`; `low` when the range is empty.
    pub fn range_f32(&mut self, low: f32, high: f32) -> f32 {
        if high <= low {
            return low;
        }
        low + (high - low) * self.next_f32()
    }

    /// An integer in `[0, bound)`; `0` when `bound` is `0`.
    pub fn below(&mut self, bound: u32) -> u32 {
        (((self.next_u64() >> 32) * u64::from(bound)) >> 32) as u32
    }

    /// `true` with probability `p` (clamped to `[0, 1]`).
    pub fn chance(&mut self, p: f32) -> bool {
        self.next_f32() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_gives_same_numbers() {
        let rng = SimRng::new(7);
        let mut a = rng.stream(SimId(3), 10, 1);
        let mut b = rng.stream(SimId(3), 10, 1);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn different_keys_give_different_numbers() {
        let rng = SimRng::new(7);
        let first = |id, tick, salt| rng.stream(SimId(id), tick, salt).next_u64();
        let base = first(3, 10, 1);
        assert_ne!(base, first(4, 10, 1), "entity");
        assert_ne!(base, first(3, 11, 1), "tick");
        assert_ne!(base, first(3, 10, 2), "salt");
        assert_ne!(
            base,
            SimRng::new(8).stream(SimId(3), 10, 1).next_u64(),
            "seed"
        );
    }

    #[test]
    fn ranges_are_respected_and_roughly_uniform() {
        let mut rng = SimRng::new(1).stream(SimId(0), 0, 0);
        let mut buckets = [0u32; 10];
        for _ in 0..100_000 {
            let x = rng.next_f32();
            assert!((0.0..1.0).contains(&x), "{x} outside [0, 1)");
            buckets[(x * 10.0) as usize] += 1;
            let y = rng.range_f32(-2.0, 3.0);
            assert!((-2.0..3.0).contains(&y), "{y} outside [-2, 3)");
            assert!(rng.below(7) < 7);
        }
        for (i, count) in buckets.iter().enumerate() {
            assert!(
                (9_000..11_000).contains(count),
                "bucket {i} has {count} of 100000"
            );
        }
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.range_f32(5.0, 5.0), 5.0);
    }
}
