//! Evaluation metrics that do not depend on the model: pure functions over plain slices.
//!
//! They judge what an encoder learned from the outside, by its codes alone:
//!
//! - [`Pca`]: the linear baseline. Principal component analysis at the latent size of a model
//!   gives the best reconstruction any *linear* encoder and decoder can reach, so comparing its
//!   [`Pca::reconstruction_error`] with the model's shows what the non-linearity buys.
//! - [`active_units`]: how many latent units of a VAE carry information about the input
//!   (Burda et al. 2016); the others collapsed onto the prior.
//! - [`LinearProbe`] and [`knn_accuracy`]: how well the digit classes can be read off the
//!   features, the semi-supervised use of an unsupervised encoder.
//!
//! # Data convention
//!
//! A set of `n` samples of `d` features is a `&[f32]` of `n * d` values, sample `i` at
//! `[i * d..(i + 1) * d]`; labels are a `&[u8]` of digits `0..10`, one per sample. Every
//! function checks the shapes and that all values are finite, and answers with an
//! [`EvalError`] rather than a panic.

mod active_units;
mod knn;
mod matrix;
mod pca;
mod probe;
#[cfg(test)]
mod timings;

pub use active_units::{ACTIVE_UNIT_THRESHOLD, ActiveUnits, active_units, active_units_above};
pub use knn::knn_accuracy;
pub use pca::Pca;
pub use probe::{LinearProbe, ProbeConfig, linear_probe_accuracy};

/// The number of classes of the classifiers: the digits 0 to 9.
pub const CLASSES: usize = 10;

/// Everything that can go wrong while evaluating, worded for someone reading it at a terminal.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A set holds no samples at all.
    #[error("{what} is empty")]
    Empty {
        /// Which input: `"data"`, `"train features"`, ...
        what: &'static str,
    },

    /// Samples with no features.
    #[error("{what}: samples must have at least one feature, got dimension 0")]
    ZeroDimension {
        /// Which input.
        what: &'static str,
    },

    /// A flat buffer whose length is not a whole number of samples.
    #[error("{what} holds {len} values, not a whole number of samples of {dim} features")]
    RaggedSamples {
        /// Which input.
        what: &'static str,
        /// Number of values in the buffer.
        len: usize,
        /// Features per sample.
        dim: usize,
    },

    /// A size that differs from the one required: features per sample, labels per set, the
    /// length of an output buffer.
    #[error("{what}: expected {expected}, found {found}")]
    DimensionMismatch {
        /// What is being counted.
        what: &'static str,
        /// The size required.
        expected: usize,
        /// The size given.
        found: usize,
    },

    /// A NaN or infinite value in the input.
    #[error("{what}: sample {sample}, feature {feature} is {value}, not a finite number")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Index of the sample.
        sample: usize,
        /// Index of the feature within the sample.
        feature: usize,
        /// The offending value.
        value: f32,
    },

    /// Fewer samples than the statistic needs (a variance needs two).
    #[error("{what} holds {found} samples but at least {needed} are needed")]
    TooFewSamples {
        /// Which input.
        what: &'static str,
        /// Samples needed.
        needed: usize,
        /// Samples given.
        found: usize,
    },

    /// A count `k` (components, neighbours) outside `1..=max`.
    #[error("{what}: k = {k} is out of range, it must be between 1 and {max}")]
    KOutOfRange {
        /// What `k` counts: `"principal components"`, `"neighbours"`.
        what: &'static str,
        /// The `k` asked for.
        k: usize,
        /// The largest valid `k` (the dimension, the number of samples).
        max: usize,
    },

    /// A label that is not one of the [`CLASSES`] digits.
    #[error("{what}: label {label} of sample {sample} is not a digit 0..{CLASSES}")]
    LabelOutOfRange {
        /// Which input.
        what: &'static str,
        /// Index of the sample.
        sample: usize,
        /// The label as given.
        label: u8,
    },

    /// A training setting that cannot work, such as zero epochs.
    #[error("invalid setting: {0}")]
    InvalidConfig(&'static str),

    /// The optimizer of the linear probe refused a step (a gradient became NaN or infinite, or
    /// the decayed step size is not a positive number).
    #[error("the linear probe's optimizer failed: {0}")]
    Optimizer(tinyvae_core::Error),

    /// The eigendecomposition did not converge (not expected for finite input).
    #[error("the eigendecomposition of the {dim}x{dim} covariance matrix did not converge")]
    NoConvergence {
        /// Size of the matrix.
        dim: usize,
    },
}

/// Checks a flat set of samples of `dim` features and returns the number of samples: `dim` is
/// not zero, the length is a non-zero multiple of `dim`, every value is finite.
fn sample_count(what: &'static str, data: &[f32], dim: usize) -> Result<usize, EvalError> {
    if dim == 0 {
        return Err(EvalError::ZeroDimension { what });
    }
    if !data.len().is_multiple_of(dim) {
        return Err(EvalError::RaggedSamples {
            what,
            len: data.len(),
            dim,
        });
    }
    if data.is_empty() {
        return Err(EvalError::Empty { what });
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(EvalError::NonFinite {
            what,
            sample: i / dim,
            feature: i % dim,
            value: data[i],
        });
    }
    Ok(data.len() / dim)
}

/// Checks that there is one label per sample and that every label is a digit.
fn check_labels(what: &'static str, labels: &[u8], samples: usize) -> Result<(), EvalError> {
    if labels.len() != samples {
        return Err(EvalError::DimensionMismatch {
            what,
            expected: samples,
            found: labels.len(),
        });
    }
    match labels.iter().position(|&l| usize::from(l) >= CLASSES) {
        Some(sample) => Err(EvalError::LabelOutOfRange {
            what,
            sample,
            label: labels[sample],
        }),
        None => Ok(()),
    }
}

/// Checks that an output buffer has the length its input calls for.
fn check_output(what: &'static str, out: &[f32], expected: usize) -> Result<(), EvalError> {
    if out.len() == expected {
        Ok(())
    } else {
        Err(EvalError::DimensionMismatch {
            what,
            expected,
            found: out.len(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sample_count_checks_the_shape_and_the_values() {
        assert_eq!(sample_count("data", &[1.0; 6], 3), Ok(2));
        assert_eq!(
            sample_count("data", &[], 3),
            Err(EvalError::Empty { what: "data" })
        );
        assert_eq!(
            sample_count("data", &[1.0; 6], 0),
            Err(EvalError::ZeroDimension { what: "data" })
        );
        assert_eq!(
            sample_count("data", &[1.0; 7], 3),
            Err(EvalError::RaggedSamples {
                what: "data",
                len: 7,
                dim: 3
            })
        );
        let err = sample_count("data", &[0.0, 1.0, 2.0, 3.0, f32::NAN, 5.0], 3).unwrap_err();
        assert!(
            matches!(
                err,
                EvalError::NonFinite {
                    sample: 1,
                    feature: 1,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "data: sample 1, feature 1 is NaN, not a finite number"
        );
    }

    #[test]
    fn labels_must_be_digits_one_per_sample() {
        assert_eq!(check_labels("labels", &[0, 9, 3], 3), Ok(()));
        assert_eq!(
            check_labels("labels", &[0, 9], 3),
            Err(EvalError::DimensionMismatch {
                what: "labels",
                expected: 3,
                found: 2
            })
        );
        let err = check_labels("test labels", &[0, 10, 3], 3).unwrap_err();
        assert_eq!(
            err.to_string(),
            "test labels: label 10 of sample 1 is not a digit 0..10"
        );
    }

    #[test]
    fn messages_read_well_at_a_terminal() {
        let k = EvalError::KOutOfRange {
            what: "principal components",
            k: 9,
            max: 6,
        };
        assert_eq!(
            k.to_string(),
            "principal components: k = 9 is out of range, it must be between 1 and 6"
        );
        let dim = EvalError::DimensionMismatch {
            what: "features per sample",
            expected: 784,
            found: 20,
        };
        assert_eq!(
            dim.to_string(),
            "features per sample: expected 784, found 20"
        );
    }
}
