//! `DecisionMakers`: every decision maker the game uses, by id, as the scoring systems
//! read them.

use std::path::{Path, PathBuf};

use bevy::ecs::resource::Resource;
use cohort_sim::data::LoadError;

use crate::decision_maker::DecisionMaker;
use crate::definition::load_decision_maker;
use crate::schema::AiSchema;

/// Which decision maker an agent thinks with: an index into [`DecisionMakers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DecisionMakerId(pub u16);

/// One registered decision maker.
#[derive(Debug, Clone, PartialEq)]
pub struct MakerEntry {
    /// The file it came from, relative to the asset folder when it hot-reloads.
    pub path: PathBuf,
    /// The definition in force: the last good one.
    pub maker: DecisionMaker,
    /// Bumped each time a changed definition replaces it; cached decisions of an older
    /// generation are stale.
    pub generation: u32,
    /// The last reload that failed, if the file is broken now.
    pub error: Option<LoadError>,
}

/// Every decision maker, by [`DecisionMakerId`].
///
/// Add them at start-up with [`DecisionMakers::load`] (synchronous, so tick 0 already
/// decides with them and a headless run stays deterministic); with Bevy's asset server
/// present, [`AiPlugin`](crate::AiPlugin) also watches each file and swaps in every good
/// edit, keeping the last good definition when an edit is broken.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct DecisionMakers {
    entries: Vec<MakerEntry>,
}

impl DecisionMakers {
    /// Loads the file at `path` (read from `root.join(path)`) and registers it, or returns
    /// the id it already has. `path` is what the asset server will watch.
    pub fn load(
        &mut self,
        root: &Path,
        path: impl AsRef<Path>,
        schema: &AiSchema,
    ) -> Result<DecisionMakerId, LoadError> {
        let path = path.as_ref();
        if let Some(id) = self.id_of_path(path) {
            return Ok(id);
        }
        let maker = load_decision_maker(&root.join(path), schema)?;
        Ok(self.insert(path.to_path_buf(), maker))
    }

    /// Registers an already parsed decision maker under `path`.
    pub fn insert(&mut self, path: PathBuf, maker: DecisionMaker) -> DecisionMakerId {
        let id = DecisionMakerId(self.entries.len() as u16);
        self.entries.push(MakerEntry {
            path,
            maker,
            generation: 0,
            error: None,
        });
        id
    }

    /// The id of the decision maker named `name` (its file name without `.ai.ron`, or
    /// without `.ron`).
    pub fn id(&self, name: &str) -> Option<DecisionMakerId> {
        self.entries
            .iter()
            .position(|entry| entry.maker.name() == name)
            .map(|index| DecisionMakerId(index as u16))
    }

    fn id_of_path(&self, path: &Path) -> Option<DecisionMakerId> {
        self.entries
            .iter()
            .position(|entry| entry.path == path)
            .map(|index| DecisionMakerId(index as u16))
    }

    /// The decision maker `id`.
    pub fn get(&self, id: DecisionMakerId) -> Option<&DecisionMaker> {
        self.entries
            .get(usize::from(id.0))
            .map(|entry| &entry.maker)
    }

    /// The entry of `id`, with its path, generation and last error.
    pub fn entry(&self, id: DecisionMakerId) -> Option<&MakerEntry> {
        self.entries.get(usize::from(id.0))
    }

    /// Every entry, by id.
    pub fn entries(&self) -> &[MakerEntry] {
        &self.entries
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when none is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Puts in a reloaded definition for the entry at `path`. Returns true when it
    /// differed from the one in force (the generation moves on); an identical reload
    /// changes nothing, so a file that is loaded again as it was keeps cached decisions.
    pub fn replace(&mut self, path: &Path, maker: DecisionMaker) -> bool {
        let Some(id) = self.id_of_path(path) else {
            return false;
        };
        let entry = &mut self.entries[usize::from(id.0)];
        entry.error = None;
        if entry.maker == maker {
            return false;
        }
        entry.maker = maker;
        entry.generation = entry.generation.wrapping_add(1);
        true
    }

    /// Records that reloading `path` failed; the last good definition stays in force.
    pub fn record_error(&mut self, path: &Path, error: LoadError) -> bool {
        match self.id_of_path(path) {
            Some(id) => {
                self.entries[usize::from(id.0)].error = Some(error);
                true
            }
            None => false,
        }
    }
}
