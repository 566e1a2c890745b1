//! What a checkpoint records of a detector: the classes taken as normal and the calibrated
//! threshold with the score it applies to.

use serde::{Deserialize, Serialize};
use tinyvae_core::anomaly::{Calibration, Detector, ScoreKind};

/// The rule a threshold is set by unless another is asked: the 99.5th percentile of the
/// normal samples' scores.
pub const DEFAULT_CALIBRATION: Calibration = Calibration::Percentile(99.5);

/// A run's detector settings, stored in its checkpoint (empty for a run that is not one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DetectorRecord {
    /// The classes the model was trained on (`train --normal-class`), the others abnormal;
    /// `None` when the whole training set is normal.
    pub normal_classes: Option<Vec<u8>>,
    /// The threshold set by `tinyvae calibrate`, if any.
    pub threshold: Option<Threshold>,
}

/// A calibrated threshold: a sample whose `score` is above `value` is abnormal.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// The score it applies to.
    pub score: ScoreKind,
    /// K of the ELBO and importance-weighted scores it was set with (1 for the others).
    pub importance_samples: u32,
    /// The rule that set it.
    pub rule: Calibration,
    /// The threshold.
    pub value: f32,
    /// How many normal samples it was set from.
    pub samples: u64,
}

impl Threshold {
    /// The detector a device weight blob carries for this threshold (format version 4).
    ///
    /// Errors: [`tinyvae_core::Error::Malformed`] for more than `u32::MAX` calibration samples,
    /// and as [`Detector::validate`].
    pub fn detector(&self) -> Result<Detector, tinyvae_core::Error> {
        Detector {
            score: self.score,
            importance_samples: self.importance_samples,
            rule: self.rule,
            threshold: self.value,
            samples: u32::try_from(self.samples).map_err(|_| tinyvae_core::Error::Malformed)?,
        }
        .validate()
    }
}
