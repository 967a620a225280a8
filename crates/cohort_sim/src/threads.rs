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

/// The longest [`on_each_compute_thread`] holds the compute threads.
const PREWARM_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// Runs `prepare` once on this thread and once on each thread of Bevy's compute pool, so
/// that per-thread buffers (`bevy::utils::Parallel`) exist before the first frame instead of
/// being made, and allocated, in the middle of a game.
///
/// Call it from an exclusive system or at start-up, on the schedule's thread. Each pool
/// thread that picks up one of the tasks holds it until every task has started, so the
/// tasks land on distinct threads. The pool is shared by every app in the process, so the
/// wait is bounded: with another app's work on the pool a thread may be missed and make
/// its buffer on first use instead.
pub fn on_each_compute_thread(prepare: impl Fn() + Sync) {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    prepare();
    let Some(pool) = bevy::tasks::ComputeTaskPool::try_get() else {
        return;
    };
    let threads = pool.thread_num();
    let started = AtomicUsize::new(0);
    let deadline = std::time::Instant::now() + PREWARM_WAIT;
    // Not ticking the pool on this thread: the tasks run on pool threads only.
    pool.scope_with_executor(false, None, |scope| {
        for _ in 0..threads {
            scope.spawn(async {
                prepare();
                started.fetch_add(1, Relaxed);
                while started.load(Relaxed) < threads && std::time::Instant::now() < deadline {
                    std::thread::yield_now();
                }
            });
        }
    });
}

/// Runs the test `test` of the current test binary again in a child process with `env`
/// set, and returns what it printed; panics with its output when it fails.
///
/// Bevy's task pools are global to a process, so a test that compares thread counts runs
/// each count in a child: the child test reads its thread count from `env` (and returns
/// at once when the variable is not set, so it passes as a no-op in the parent's run).
pub fn run_test_in_child(test: &str, env: &[(&str, String)]) -> String {
    let mut child = std::process::Command::new(
        std::env::current_exe().expect("a test binary knows its own path"),
    );
    child.args([test, "--exact", "--nocapture", "--test-threads=1"]);
    for (name, value) in env {
        child.env(name, value);
    }
    let output = child.output().expect("the test binary starts again");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{test} with {env:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
