//! After warm-up, writing, flushing and reading a storm of events allocates nothing above
//! Bevy's floor: staging, sort and batch buffers keep their capacity.

mod common;

use cohort_alloc::CountingAllocator;
use cohort_events::{EventBatch, EventBatchConfig};
use cohort_profiler::{Profiler, ProfilerPlugin, SteadyState};
use cohort_sim::finish_plugins;
use common::{Hit, merge_hits, storm_app};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

#[test]
fn a_storm_allocates_nothing_above_the_floor_after_warm_up() {
    // Capacity below the real load: the buffers grow during warm-up, then stay.
    let mut app = storm_app(
        2,
        10_000,
        EventBatchConfig::default()
            .with_capacity(1_000)
            .coalesce(merge_hits),
    );
    app.add_plugins(ProfilerPlugin::default());
    finish_plugins(&mut app);
    SteadyState::new(60, 120)
        .only(&["cohort_events::", "steady_state::", "common::"])
        .assert(&mut app);
    // The check covered the flush, both writers and the reader.
    let profiler = app.world().resource::<Profiler>();
    for name in [
        "cohort_events::flush::flush_events",
        "steady_state::common::write_hits",
        "steady_state::common::write_bonus_hits",
        "steady_state::common::apply_hits",
    ] {
        let system = profiler
            .systems()
            .iter()
            .find(|system| system.identity().name.starts_with(name))
            .unwrap_or_else(|| panic!("{name} is profiled"));
        assert!(
            system.total.runs >= 170,
            "{name} ran once a tick: {}",
            system.total.runs
        );
    }
    let stats = app.world().resource::<EventBatch<Hit>>().stats();
    assert!(stats.sent > 2_000_000, "a storm: {}", stats.sent);
    assert_eq!(stats.sent, stats.delivered + stats.dropped);
}
