//! Anomaly detection on the host: each sample's scores ([`score_samples`]), how well a score
//! separates abnormal samples from normal ones ([`Roc`], [`Confusion`]), and the one-class
//! protocol on labelled data ([`OneClass`]), and a detector judged as it trains
//! ([`EpochDetection`]).
//!
//! The scores and the threshold rules are the core's ([`tinyvae_core::anomaly`]), so a device
//! computes the same bits; this module adds what needs the whole test set at once.

mod one_class;
mod protocol;
mod record;
mod roc;
mod scores;
mod watch;

pub use one_class::OneClass;
pub use protocol::{PARTIAL_AUC_MAX_FPR, ProtocolResult, ScoreResult, one_class_run};
pub use record::{DEFAULT_CALIBRATION, DetectorRecord, Threshold};
pub use roc::{Confusion, Roc, RocPoint};
pub use scores::{
    RECONSTRUCTION_BATCH, SampleScores, ScoreOptions, available_scores, score_samples,
};
pub use tinyvae_core::anomaly::{Calibration, ScoreKind, calibrate};
pub use watch::{
    EpochDetection, WATCHED_BINS, WATCHED_NORMAL_SAMPLES, WATCHED_TEST_SAMPLES, judge,
};

/// What can go wrong while scoring or judging scores.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AnomalyError {
    /// Scores and labels of different lengths.
    #[error("{scores} scores but {labels} labels")]
    Mismatch {
        /// Scores given.
        scores: usize,
        /// Labels given.
        labels: usize,
    },
    /// A score that is NaN or infinite.
    #[error("the score of sample {index} is {value}, not a finite number")]
    NonFinite {
        /// The sample.
        index: usize,
        /// Its score.
        value: f32,
    },
    /// A set without both normal and abnormal samples, whose rates are undefined.
    #[error(
        "a ROC curve needs normal and abnormal samples; found {normal} normal and {anomalous} abnormal"
    )]
    OneClass {
        /// Normal samples.
        normal: usize,
        /// Abnormal samples.
        anomalous: usize,
    },
    /// A partial-AUC limit outside (0, 1].
    #[error("the false-positive limit of a partial AUC must be in (0, 1], got {0}")]
    MaxFpr(f64),
    /// A score this model cannot give (an ELBO of a plain autoencoder...).
    #[error("the {kind} score needs {needs}")]
    Unavailable {
        /// The score's name.
        kind: &'static str,
        /// What it needs.
        needs: &'static str,
    },
    /// The data does not fit the model or the protocol.
    #[error("{0}")]
    Data(String),
    /// The model failed on a sample.
    #[error("scoring failed: {0}")]
    Core(#[from] tinyvae_core::Error),
}
