//! The device weight blob: the core's weight format, written atomically.

use std::path::Path;

use tinyvae_core::{Model, weights};

/// Why the weights could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The model could not be encoded (e.g. a NaN weight).
    #[error("cannot encode the weights: {0}")]
    Encode(#[from] tinyvae_core::Error),
    /// Writing the file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The exact bytes the firmware loads for `model`.
pub fn weight_blob<M: Model>(model: &M) -> Result<Vec<u8>, tinyvae_core::Error> {
    let mut buffer = vec![0u8; weights::blob_len::<M>()];
    let written = weights::save(model, &mut buffer)?;
    buffer.truncate(written);
    Ok(buffer)
}

/// Writes `model`'s weight blob to `path`, atomically.
pub fn export_weights<M: Model>(model: &M, path: &Path) -> Result<(), ExportError> {
    let blob = weight_blob(model)?;
    crate::atomic_file::write_atomically(path, &blob)?;
    Ok(())
}
