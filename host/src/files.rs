//! The files of a run on disk: the checkpoint and the device weights, each at its path.

use std::path::{Path, PathBuf};

use crate::checkpoint::save_checkpoint;
use crate::data::DataRecord;
use crate::export::export_weights;
use crate::train::events::Artifact;
use crate::train::model::TrainableModel;
use crate::train::persistence::{Persistence, SaveError};
use crate::train::trainer::Trainer;

/// A run's checkpoint and device-weight paths, and what checkpoints record besides the run:
/// the preset name and the data.
#[derive(Clone, Debug, PartialEq)]
pub struct RunFiles {
    /// The preset name, recorded in checkpoints.
    pub preset: String,
    /// The data trained on, recorded in checkpoints.
    pub data: DataRecord,
    /// Where checkpoints go.
    pub checkpoint: PathBuf,
    /// Where the device weight blob goes (with the data's input transform, if it has one).
    pub weights: PathBuf,
}

impl<M: TrainableModel> Persistence<M> for RunFiles {
    fn path(&self, artifact: Artifact) -> &Path {
        match artifact {
            Artifact::Checkpoint => &self.checkpoint,
            Artifact::DeviceWeights => &self.weights,
        }
    }

    fn save_checkpoint(&self, trainer: &Trainer<M>) -> Result<(), SaveError> {
        Ok(save_checkpoint(
            trainer,
            &self.preset,
            &self.data,
            &self.checkpoint,
        )?)
    }

    fn export_weights(&self, model: &M) -> Result<(), SaveError> {
        export_weights(model, self.data.transform.as_ref(), &self.weights)?;
        Ok(())
    }
}
