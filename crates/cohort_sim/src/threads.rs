//! Task pools sized for the simulation.

use bevy::app::TaskPoolOptions;

/// Task pools with exactly `compute_threads` threads in the compute pool, where Bevy runs
/// systems and `par_iter`, plus one IO and one async-compute thread.
///
/// Bevy's default gives the compute pool what is left after the IO and async pools take a
/// quarter each (at least one each): a single compute thread on a 2-core machine. Bevy's
/// task pools are global: the first app in a process fixes their size.
pub fn task_pool_options(compute_threads: usize) -> TaskPoolOptions {
    let mut options = TaskPoolOptions::with_num_threads(compute_threads.max(1) + 2);
    for pool in [&mut options.io, &mut options.async_compute] {
        pool.min_threads = 1;
        pool.max_threads = 1;
    }
    options
}
