//! What a detector's run (`train --normal-class`) reports at the end of each epoch: how well
//! each reconstruction score tells the test set's abnormal samples from its normal ones, and
//! the threshold calibration would set now. The worker asks a [`DetectionProbe`] for it;
//! [`crate::anomaly::EpochDetection`] is the probe of the `train` command.

use serde::Serialize;
use tinyvae_core::anomaly::{Calibration, ScoreKind};

use super::config::TrainConfig;
use crate::histogram::ScoreHistogram;

/// A detector judged at the end of an epoch, on a fixed, evenly spread part of the test set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DetectionReport {
    /// The epoch just ended, from 1.
    pub epoch: usize,
    /// The classes learnt as normal; every other class is abnormal.
    pub normal_classes: Vec<u8>,
    /// Test samples scored.
    pub test_samples: usize,
    /// How many of them are abnormal.
    pub anomalous: usize,
    /// Normal training samples the thresholds are set from.
    pub calibration_samples: usize,
    /// The rule that set the thresholds (that of `tinyvae calibrate` by default).
    pub rule: Calibration,
    /// Each score, in the order computed.
    pub scores: Vec<DetectionScore>,
}

/// How one score separates the test set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DetectionScore {
    /// The score (written by its short name, `mse`, as `eval --anomaly` writes it).
    #[serde(serialize_with = "short_name")]
    pub score: ScoreKind,
    /// Area under the ROC curve.
    pub auc: f64,
    /// Area under the ROC curve up to a false-positive rate of 0.1, over 0.1 (MLPerf Tiny's).
    pub partial_auc: f64,
    /// The threshold the rule sets from the normal training samples' scores.
    pub threshold: f32,
    /// At the threshold: abnormal among the flagged (NaN when none is flagged).
    pub precision: f64,
    /// At the threshold: flagged among the abnormal.
    pub recall: f64,
    /// At the threshold: the harmonic mean of precision and recall.
    pub f1: f64,
    /// At the threshold: flagged among the normal.
    pub false_positive_rate: f64,
    /// The test scores of the normal and of the abnormal samples, the threshold within range.
    pub histogram: ScoreHistogram,
}

fn short_name<S: serde::Serializer>(kind: &ScoreKind, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(kind.name())
}

/// Judges a model as a detector at the end of an epoch, for the worker.
pub trait DetectionProbe<M>: Send {
    /// The report for `model`, trained with `train`, after `epoch`; an error names what
    /// failed (the run goes on without the report).
    fn probe(
        &self,
        model: &M,
        train: &TrainConfig,
        epoch: usize,
    ) -> Result<DetectionReport, String>;
}
