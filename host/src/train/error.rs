//! Why training could not go on.

/// Why a step could not be taken. The model is left as it was before the step.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A hyperparameter is out of range.
    #[error("invalid setting: {0}")]
    Config(String),
    /// The data does not fit the model.
    #[error("the model takes {expected} values per sample but the data has {found}")]
    DataShape {
        /// Inputs per sample of the model.
        expected: usize,
        /// Pixels per image of the data.
        found: usize,
    },
    /// The training set is empty.
    #[error("the training set is empty")]
    NoData,
    /// The loss or a gradient became NaN or infinite.
    #[error(
        "the loss became NaN or infinite at step {step}: try a lower learning rate or gradient clipping"
    )]
    NonFinite {
        /// The step that failed.
        step: u64,
    },
    /// A weight or an optimizer moment became NaN or infinite.
    #[error(
        "the weights or the optimizer's state became NaN or infinite by step {step}: try a lower learning rate or gradient clipping"
    )]
    Diverged {
        /// The step at which it was seen.
        step: u64,
    },
    /// The run stands at a batch past the end of the epoch: a checkpoint resumed on fewer
    /// samples than it was trained on, or damaged.
    #[error("batch {batch} of the epoch starts past its {samples} samples")]
    PastEpoch {
        /// The batch the run stands at.
        batch: usize,
        /// Samples in the epoch.
        samples: usize,
    },
    /// Any other error of the core.
    #[error("{0}")]
    Core(#[from] tinyvae_core::Error),
}
