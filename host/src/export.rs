//! The device weight blob: the core's weight format, with the input transform the model was
//! trained behind, written atomically.

use std::path::Path;

use tinyvae_core::{Model, weights};

use crate::data::InputTransform;

/// Why the weights could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The model or its transform could not be encoded (e.g. a NaN weight, a transform for
    /// another number of inputs).
    #[error("cannot encode the weights: {0}")]
    Encode(#[from] tinyvae_core::Error),
    /// Writing the file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The exact bytes the firmware loads for `model`: a version-3 blob of
/// [`weights::blob_len`] bytes without a transform, a version-2 blob of
/// [`weights::blob_len_with_transform`] bytes with `transform`, which the device then applies
/// to every raw sample, bit for bit as [`InputTransform::apply`].
pub fn weight_blob<M: Model>(
    model: &M,
    transform: Option<&InputTransform>,
) -> Result<Vec<u8>, tinyvae_core::Error> {
    let transform = transform.map(InputTransform::as_core).transpose()?;
    let len = match transform {
        None => weights::blob_len::<M>(),
        Some(_) => weights::blob_len_with_transform::<M>(),
    };
    let mut buffer = vec![0u8; len];
    let written = weights::save_with_transform(model, transform.as_ref(), &mut buffer)?;
    buffer.truncate(written);
    Ok(buffer)
}

/// Writes `model`'s weight blob, with `transform` if given, to `path`, atomically; returns its
/// length in bytes.
pub fn export_weights<M: Model>(
    model: &M,
    transform: Option<&InputTransform>,
    path: &Path,
) -> Result<usize, ExportError> {
    let blob = weight_blob(model, transform)?;
    crate::atomic_file::write_atomically(path, &blob)?;
    Ok(blob.len())
}

#[cfg(test)]
mod tests;
