//! Decision makers through Bevy's asset server: every good edit of a watched file swaps
//! in, a broken one is reported (file, line, field) and the last good definition stays.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use bevy::asset::io::Reader;
use bevy::asset::{
    Asset, AssetApp, AssetEvent, AssetLoader, AssetServer, Assets, Handle, LoadContext,
};
use bevy::ecs::prelude::*;
use bevy::log::{info, warn};
use bevy::reflect::TypePath;
use cohort_sim::data::LoadError;

use crate::decision_maker::DecisionMaker;
use crate::definition::parse_decision_maker;
use crate::registry::DecisionMakers;
use crate::schema::AiSchema;

/// A decision-maker file as a Bevy asset (`*.ai.ron`).
#[derive(Asset, TypePath, Debug, Clone)]
pub struct DecisionMakerAsset(pub DecisionMaker);

/// Errors the loader met, for [`apply_reloaded_decision_makers`] to report on the main
/// thread (the asset server logs them without the last-good-definition rule).
type LoaderErrors = Arc<Mutex<Vec<(PathBuf, LoadError)>>>;

/// Reads `*.ai.ron` files with the game's [`AiSchema`].
#[derive(TypePath)]
pub struct DecisionMakerLoader {
    schema: AiSchema,
    errors: LoaderErrors,
}

impl AssetLoader for DecisionMakerLoader {
    type Asset = DecisionMakerAsset;
    type Settings = ();
    type Error = LoadError;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        load_context: &mut LoadContext<'_>,
    ) -> Result<DecisionMakerAsset, LoadError> {
        let path = load_context.path().path().to_path_buf();
        let mut bytes = Vec::new();
        let parsed = match reader.read_to_end(&mut bytes).await {
            Err(error) => Err(LoadError::new(
                &path,
                format!("cannot read the file: {error}"),
            )),
            Ok(_) => match String::from_utf8(bytes) {
                Err(error) => Err(LoadError::new(&path, format!("is not UTF-8 text: {error}"))),
                Ok(text) => parse_decision_maker(&path, &text, &self.schema),
            },
        };
        parsed.map(DecisionMakerAsset).inspect_err(|error| {
            self.errors
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((path.clone(), error.clone()));
        })
    }

    fn extensions(&self) -> &[&str] {
        &["ai.ron"]
    }
}

/// The handles that keep every registered decision maker's file watched.
#[derive(Resource, Default)]
pub struct WatchedDecisionMakers {
    handles: Vec<(Handle<DecisionMakerAsset>, PathBuf)>,
    errors: LoaderErrors,
}

/// Registers the asset type and its loader. Called by [`AiPlugin`](crate::AiPlugin) when
/// the app has Bevy's `AssetPlugin`.
pub(crate) fn add_hot_reload(app: &mut bevy::app::App, schema: AiSchema) {
    let errors = LoaderErrors::default();
    app.init_asset::<DecisionMakerAsset>()
        .register_asset_loader(DecisionMakerLoader {
            schema,
            errors: errors.clone(),
        })
        .insert_resource(WatchedDecisionMakers {
            handles: Vec::new(),
            errors,
        })
        .add_systems(bevy::app::PostStartup, watch_decision_makers)
        .add_systems(bevy::app::First, apply_reloaded_decision_makers);
}

/// Loads every registered decision maker through the asset server, so edits reach it.
fn watch_decision_makers(
    server: Res<AssetServer>,
    makers: Res<DecisionMakers>,
    mut watched: ResMut<WatchedDecisionMakers>,
) {
    for entry in makers.entries() {
        let handle = server.load::<DecisionMakerAsset>(entry.path.clone());
        watched.handles.push((handle, entry.path.clone()));
    }
}

/// Puts each reloaded definition in force, once it differs from the one in force, and
/// reports each broken edit once, keeping the last good definition.
pub fn apply_reloaded_decision_makers(
    mut events: MessageReader<AssetEvent<DecisionMakerAsset>>,
    assets: Res<Assets<DecisionMakerAsset>>,
    watched: Res<WatchedDecisionMakers>,
    mut makers: ResMut<DecisionMakers>,
) {
    for event in events.read() {
        let (AssetEvent::Added { id }
        | AssetEvent::Modified { id }
        | AssetEvent::LoadedWithDependencies { id }) = *event
        else {
            continue;
        };
        let Some((_, path)) = watched.handles.iter().find(|(handle, _)| handle.id() == id) else {
            continue;
        };
        if let Some(asset) = assets.get(id)
            && makers.replace(path, asset.0.clone())
        {
            info!("cohort_ai: {} reloaded", path.display());
        }
    }
    let mut errors = watched
        .errors
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    for (path, error) in errors.drain(..) {
        warn!("cohort_ai: {error}; the last good definition stays in force");
        makers.record_error(&path, error);
    }
}
