//! The smallest use of `SimPlugin`: a system in the Sense and Act phases, fast-forwarded
//! 90 ticks.

use bevy::prelude::*;
use cohort::prelude::*;

#[derive(Component)]
struct Charge(u32);

impl HashState for Charge {
    fn hash_state(&self, hasher: &mut StateHasher) {
        self.0.hash_state(hasher);
    }
}

fn sense(tick: Res<SimTick>, mut seen: Local<u64>) {
    *seen = tick.get();
}

fn act(rng: Res<SimRng>, tick: Res<SimTick>, mut units: Query<(&SimId, &mut Charge)>) {
    units.par_iter_mut().for_each(|(id, mut charge)| {
        // Keyed by entity and tick: the same draw on any thread.
        charge.0 += rng.stream(*id, tick.get(), 1).below(10);
    });
}

fn main() {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        SimPlugin::default().with_seed(42).fast_forward(1),
    ))
    .hash_component::<Charge>()
    .add_systems(
        SimSchedule,
        (sense.in_set(SimSystems::Sense), act.in_set(SimSystems::Act)),
    );
    for _ in 0..1000 {
        let id = app.world_mut().resource_mut::<SimIdAllocator>().allocate();
        app.world_mut().spawn((id, Charge(0)));
    }
    let ran = app.run_sim_ticks(90);
    println!(
        "ran {ran} ticks; world hash {}",
        format_world_hash(world_hash(app.world_mut()))
    );
}
