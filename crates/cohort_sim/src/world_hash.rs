//! A hash of the whole simulation state, independent of entity ids and thread count.

use bevy::app::App;
use bevy::ecs::component::Component;
use bevy::ecs::resource::Resource;
use bevy::ecs::world::World;
use bevy::log::debug;

use crate::hash::{HashState, StateHasher};

/// A stable identity for a simulated entity, assigned by whoever spawns it.
///
/// Bevy's [`Entity`](bevy::ecs::entity::Entity) ids depend on spawn and despawn history;
/// `SimId`s are chosen by the scenario, so they key deterministic merges and the
/// [`world_hash`] the same way on every run. Allocate them with [`SimIdAllocator`].
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimId(pub u64);

impl HashState for SimId {
    fn hash_state(&self, hasher: &mut StateHasher) {
        hasher.write_u64(self.0);
    }
}

/// Hands out [`SimId`]s in order. Spawn in a deterministic order and ids follow.
#[derive(Resource, Debug, Default, Clone)]
pub struct SimIdAllocator {
    next: u64,
}

impl SimIdAllocator {
    /// The next unused id.
    pub fn allocate(&mut self) -> SimId {
        let id = SimId(self.next);
        self.next += 1;
        id
    }

    /// How many ids have been handed out.
    pub fn allocated(&self) -> u64 {
        self.next
    }
}

type HashFn = fn(&mut World, &mut StateHasher);

/// What [`world_hash`] folds in: the components and resources registered with
/// [`SimHashAppExt`], in registration order.
#[derive(Resource, Default)]
pub struct SimHashRegistry {
    entries: Vec<(&'static str, HashFn)>,
}

impl SimHashRegistry {
    /// The type names registered, in the order they are hashed.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|(name, _)| *name)
    }

    fn register(&mut self, name: &'static str, hash: HashFn) {
        if self.entries.iter().any(|(known, _)| *known == name) {
            return;
        }
        debug!("cohort: world hash includes {name}");
        self.entries.push((name, hash));
    }
}

/// Registers simulation state for [`world_hash`]. A second registration of a type is ignored.
pub trait SimHashAppExt {
    /// Includes component `C` of every entity that has a [`SimId`], ordered by that id.
    fn hash_component<C: Component + HashState>(&mut self) -> &mut Self;
    /// Includes resource `R`, when present.
    fn hash_resource<R: Resource + HashState>(&mut self) -> &mut Self;
}

impl SimHashAppExt for App {
    fn hash_component<C: Component + HashState>(&mut self) -> &mut Self {
        self.init_resource::<SimHashRegistry>();
        self.world_mut()
            .resource_mut::<SimHashRegistry>()
            .register(core::any::type_name::<C>(), hash_components::<C>);
        self
    }

    fn hash_resource<R: Resource + HashState>(&mut self) -> &mut Self {
        self.init_resource::<SimHashRegistry>();
        self.world_mut()
            .resource_mut::<SimHashRegistry>()
            .register(core::any::type_name::<R>(), hash_resource::<R>);
        self
    }
}

fn hash_components<C: Component + HashState>(world: &mut World, hasher: &mut StateHasher) {
    let mut query = world.query::<(&SimId, &C)>();
    let mut rows: Vec<(SimId, u64)> = query
        .iter(world)
        .map(|(id, component)| {
            let mut row = StateHasher::new();
            component.hash_state(&mut row);
            (*id, row.finish())
        })
        .collect();
    rows.sort_unstable();
    hasher.write_str(core::any::type_name::<C>());
    hasher.write_u64(rows.len() as u64);
    for (id, row) in rows {
        hasher.write_u64(id.0);
        hasher.write_u64(row);
    }
}

fn hash_resource<R: Resource + HashState>(world: &mut World, hasher: &mut StateHasher) {
    hasher.write_str(core::any::type_name::<R>());
    match world.get_resource::<R>() {
        None => hasher.write_u64(0),
        Some(resource) => {
            hasher.write_u64(1);
            resource.hash_state(hasher);
        }
    }
}

/// A 64-bit hash of the simulation state registered with [`SimHashAppExt`].
///
/// Components are ordered by [`SimId`], so the hash does not depend on entity ids, archetype
/// order or the number of threads; the same scenario and seed must give the same hash. It
/// walks the world and allocates, so call it at checkpoints, not every tick of a hot loop.
pub fn world_hash(world: &mut World) -> u64 {
    let mut hasher = StateHasher::new();
    let Some(registry) = world.remove_resource::<SimHashRegistry>() else {
        return hasher.finish();
    };
    for (_, hash) in &registry.entries {
        hash(world, &mut hasher);
    }
    world.insert_resource(registry);
    hasher.finish()
}

/// Formats a world hash the way reports print it: 16 lowercase hex digits.
pub fn format_world_hash(hash: u64) -> String {
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Component)]
    struct Hp(i32);

    impl HashState for Hp {
        fn hash_state(&self, hasher: &mut StateHasher) {
            self.0.hash_state(hasher);
        }
    }

    fn app_with(rows: &[(u64, i32)]) -> App {
        let mut app = App::new();
        app.hash_component::<Hp>().hash_component::<Hp>();
        for &(id, hp) in rows {
            app.world_mut().spawn((SimId(id), Hp(hp)));
        }
        app
    }

    #[test]
    fn spawn_order_does_not_matter() {
        let a = world_hash(app_with(&[(1, 10), (2, 20), (3, 30)]).world_mut());
        let b = world_hash(app_with(&[(3, 30), (1, 10), (2, 20)]).world_mut());
        assert_eq!(a, b);
    }

    #[test]
    fn state_changes_change_the_hash() {
        let a = world_hash(app_with(&[(1, 10), (2, 20)]).world_mut());
        assert_ne!(a, world_hash(app_with(&[(1, 10), (2, 21)]).world_mut()));
        assert_ne!(a, world_hash(app_with(&[(1, 20), (2, 10)]).world_mut()));
        assert_ne!(a, world_hash(app_with(&[(1, 10)]).world_mut()));
    }

    #[test]
    fn registering_twice_hashes_once() {
        let app = app_with(&[]);
        assert_eq!(app.world().resource::<SimHashRegistry>().names().count(), 1);
    }

    #[test]
    fn formats_as_sixteen_hex_digits() {
        assert_eq!(format_world_hash(0xab), "00000000000000ab");
    }
}
