//! The device weight blob: the core's weight format, with the input transform the model was
//! trained behind and the calibrated detector, if any, written atomically.

use std::path::Path;

use tinyvae_core::anomaly::Detector;
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
/// to every raw sample, bit for bit as [`InputTransform::apply`]; with `detector`, a
/// version-4 blob of [`weights::blob_len_with`] bytes that also carries the score, the rule and
/// the threshold ([`weights::save_with_detector`]).
pub fn weight_blob<M: Model>(
    model: &M,
    transform: Option<&InputTransform>,
    detector: Option<&Detector>,
) -> Result<Vec<u8>, tinyvae_core::Error> {
    let transform = transform.map(InputTransform::as_core).transpose()?;
    let len = weights::blob_len_with::<M>(transform.is_some(), detector.is_some());
    let mut buffer = vec![0u8; len];
    let written = weights::save_with_detector(model, transform.as_ref(), detector, &mut buffer)?;
    buffer.truncate(written);
    Ok(buffer)
}

/// Writes `model`'s weight blob, with `transform` and `detector` if given, to `path`,
/// atomically; returns its length in bytes.
pub fn export_weights<M: Model>(
    model: &M,
    transform: Option<&InputTransform>,
    detector: Option<&Detector>,
    path: &Path,
) -> Result<usize, ExportError> {
    let blob = weight_blob(model, transform, detector)?;
    crate::atomic_file::write_atomically(path, &blob)?;
    Ok(blob.len())
}

#[cfg(test)]
mod tests;
