//! `SummaryRegistry`: the registered types of one plugin (event types, action types) and
//! how to read each one's figures, for reports and overlays.

use std::any::type_name;

use bevy::ecs::resource::Resource;
use bevy::ecs::world::World;

/// Reads one registered type's figures from the world, if the type's resources are there.
pub type SummaryFn<S> = fn(&World) -> Option<S>;

/// Every type a plugin registered, by name, with a function that reads its figures `S`.
///
/// Names are the types' short names (`Damage` for `my_game::events::Damage`); a second
/// type with a short name already taken keeps its full path, so reports never merge two
/// types.
#[derive(Resource)]
pub struct SummaryRegistry<S: Send + Sync + 'static> {
    types: Vec<(&'static str, SummaryFn<S>)>,
}

impl<S: Send + Sync + 'static> Default for SummaryRegistry<S> {
    fn default() -> Self {
        Self { types: Vec::new() }
    }
}

impl<S: Send + Sync + 'static> SummaryRegistry<S> {
    /// Registers `T` and returns the name it is reported under.
    pub fn register<T>(&mut self, summary: SummaryFn<S>) -> &'static str {
        let short = short_type_name::<T>();
        let name = if self.types.iter().any(|(taken, _)| *taken == short) {
            type_name::<T>()
        } else {
            short
        };
        self.types.push((name, summary));
        name
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// True when `world` has this registry with at least one type in it.
    pub fn any_in(world: &World) -> bool {
        world
            .get_resource::<Self>()
            .is_some_and(|registry| !registry.is_empty())
    }

    /// Each registered type's name and figures, in registration order.
    pub fn summaries(world: &World) -> Vec<(&'static str, S)> {
        let mut summaries = Vec::new();
        Self::for_each_summary(world, |name, summary| summaries.push((name, summary)));
        summaries
    }

    /// Calls `visit` with each registered type's name and figures, in registration order,
    /// without allocating: for readers that look every frame, such as an overlay.
    pub fn for_each_summary(world: &World, mut visit: impl FnMut(&'static str, S)) {
        let Some(registry) = world.get_resource::<Self>() else {
            return;
        };
        for (name, summary) in &registry.types {
            if let Some(summary) = summary(world) {
                visit(name, summary);
            }
        }
    }
}

/// A type's name without its module path or type arguments (`Damage` for
/// `my_game::events::Damage`, `Order` for `my_game::Order<u8>`).
pub fn short_type_name<T>() -> &'static str {
    let name = type_name::<T>();
    let end = name.find('<').unwrap_or(name.len());
    name[..end].rsplit("::").next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    mod first {
        pub struct Hit;
    }
    mod second {
        pub struct Hit;
    }
    struct Wrapper<T>(T);

    #[test]
    fn names_are_short_unless_taken() {
        let mut registry = SummaryRegistry::<u32>::default();
        assert!(registry.is_empty());
        assert_eq!(registry.register::<first::Hit>(|_| Some(1)), "Hit");
        assert!(
            registry
                .register::<second::Hit>(|_| Some(2))
                .ends_with("second::Hit")
        );
        assert_eq!(registry.register::<Wrapper<u8>>(|_| None), "Wrapper");
        let mut world = World::new();
        world.insert_resource(registry);
        assert!(SummaryRegistry::<u32>::any_in(&world));
        let summaries = SummaryRegistry::<u32>::summaries(&world);
        assert_eq!(summaries.len(), 2, "a type without figures is left out");
        assert_eq!(summaries[0], ("Hit", 1));
        assert_eq!(summaries[1].1, 2);
    }
}
