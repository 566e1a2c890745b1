//! Where a run's files go. The worker is handed a [`Persistence`] and never learns the file
//! formats; [`crate::files::RunFiles`] is the one the tool uses.

use std::path::Path;

use super::events::Artifact;
use super::model::TrainableModel;
use super::trainer::Trainer;

/// Why a file could not be written, as the writer explains it.
pub type SaveError = Box<dyn std::error::Error + Send + Sync>;

/// Writes the files of a run of model `M`.
pub trait Persistence<M: TrainableModel> {
    /// Where `artifact` is written.
    fn path(&self, artifact: Artifact) -> &Path;

    /// Writes a checkpoint of `trainer`, atomically: on error the previous one is intact.
    fn save_checkpoint(&self, trainer: &Trainer<M>) -> Result<(), SaveError>;

    /// Writes the device weights of `model`, atomically.
    fn export_weights(&self, model: &M) -> Result<(), SaveError>;
}
