//! The files of a run on disk: the checkpoint and the device weights, each at its path.

use std::path::{Path, PathBuf};

use crate::anomaly::{DetectorRecord, Threshold};
use crate::atomic_file::{check_writable, remove_stale_temporaries};
use crate::checkpoint::save_checkpoint;
use crate::data::DataRecord;
use crate::export::{ExportError, export_weights};
use crate::lock::{CheckpointLock, LockError};
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
    /// The run's detector settings, recorded in checkpoints.
    pub detector: DetectorRecord,
}

/// Why a run's files cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// A path cannot be written (its folder cannot be made, is read-only, the path is a
    /// folder…).
    #[error("cannot write {}: {source}", path.display())]
    NotWritable {
        /// The path.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The checkpoint is locked by another process, or the lock cannot be taken.
    #[error(transparent)]
    Lock(#[from] LockError),
}

impl RunFiles {
    /// Makes ready to write, before any work: checks that both paths can be written, takes
    /// the checkpoint's lock (held until the returned guard is dropped) and removes the
    /// temporary files an earlier, killed run left.
    pub fn prepare(&self) -> Result<CheckpointLock, FilesError> {
        for path in [&self.checkpoint, &self.weights] {
            check_writable(path).map_err(|source| FilesError::NotWritable {
                path: path.clone(),
                source,
            })?;
        }
        let lock = CheckpointLock::acquire(&self.checkpoint)?;
        for path in [&self.checkpoint, &self.weights] {
            remove_stale_temporaries(path).map_err(|source| FilesError::NotWritable {
                path: path.clone(),
                source,
            })?;
        }
        Ok(lock)
    }
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
            &self.detector,
            &self.checkpoint,
        )?)
    }

    fn export_weights(&self, model: &M) -> Result<(), SaveError> {
        let detector = self
            .detector
            .threshold
            .as_ref()
            .map(Threshold::detector)
            .transpose()
            .map_err(ExportError::Encode)?;
        export_weights(
            model,
            self.data.transform.as_ref(),
            detector.as_ref(),
            &self.weights,
        )?;
        Ok(())
    }
}
