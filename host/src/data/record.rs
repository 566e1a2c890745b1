//! What a checkpoint records of its data: how to load it again, what it was, and a
//! fingerprint of its content, so that a later command can tell the same data from other data
//! of the same shape.

use serde::{Deserialize, Serialize};

use super::normalize::InputTransform;
use super::spec::{DataSpec, LoadedData};
use super::{DataError, Dataset, SampleShape, Split};

/// CRC-64/XZ over a dataset's values (little-endian `f32` bits) and then its labels.
const FINGERPRINT: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_XZ);

/// The data a model was trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataRecord {
    /// How to load it again.
    pub spec: DataSpec,
    /// What one sample is.
    pub shape: SampleShape,
    /// Training samples.
    pub train_samples: usize,
    /// Test samples.
    pub test_samples: usize,
    /// Fingerprint of the training set as the model saw it (normalized).
    pub train_fingerprint: u64,
    /// Fingerprint of the test set as the model saw it (normalized).
    pub test_fingerprint: u64,
    /// The normalization fitted on the training set; later data goes through the same.
    pub transform: Option<InputTransform>,
}

/// A content fingerprint of `data`: equal for equal values and labels.
pub fn fingerprint(data: &Dataset) -> u64 {
    let mut digest = FINGERPRINT.digest();
    for value in data.images() {
        digest.update(&value.to_le_bytes());
    }
    if let Some(labels) = data.labels() {
        digest.update(labels);
    }
    digest.finalize()
}

impl DataRecord {
    /// The record of `loaded`, which `spec` loaded.
    pub fn of(spec: &DataSpec, loaded: &LoadedData) -> Self {
        Self {
            spec: spec.clone(),
            shape: loaded.split.train.shape(),
            train_samples: loaded.split.train.len(),
            test_samples: loaded.split.test.len(),
            train_fingerprint: fingerprint(&loaded.split.train),
            test_fingerprint: fingerprint(&loaded.split.test),
            transform: loaded.transform.clone(),
        }
    }

    /// Loads the data again as the model saw it: the spec's samples, normalized with the
    /// recorded transform (not refitted).
    pub fn load(&self) -> Result<LoadedData, DataError> {
        let mut split = self.spec.load_raw()?;
        self.normalize(&mut split)?;
        Ok(LoadedData {
            split,
            transform: self.transform.clone(),
        })
    }

    /// Normalizes `split` with the recorded transform, if any.
    pub fn normalize(&self, split: &mut Split) -> Result<(), DataError> {
        if let Some(transform) = &self.transform {
            transform.apply_to(&mut split.train)?;
            transform.apply_to(&mut split.test)?;
        }
        Ok(())
    }

    /// Whether `test` is the test set this record describes (same fingerprint).
    pub fn same_test_set(&self, test: &Dataset) -> bool {
        test.len() == self.test_samples && fingerprint(test) == self.test_fingerprint
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_content_apart() {
        let a = Dataset::new("a", 2, 1, vec![0.0, 1.0], vec![3]).unwrap();
        let renamed = a.clone().renamed("b");
        let relabelled = Dataset::new("a", 2, 1, vec![0.0, 1.0], vec![4]).unwrap();
        let changed = Dataset::new("a", 2, 1, vec![0.0, 0.5], vec![3]).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&renamed));
        assert_ne!(fingerprint(&a), fingerprint(&relabelled));
        assert_ne!(fingerprint(&a), fingerprint(&changed));
    }
}
