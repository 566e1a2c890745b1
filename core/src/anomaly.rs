//! Anomaly detection: a per-sample score that is high for abnormal samples, and the threshold
//! above which a sample is called abnormal, set from the scores of normal ones.
//!
//! The same code runs on the host, which calibrates a threshold offline, and on a device,
//! which can re-calibrate it after fine-tuning from a fixed-size window of normal scores held
//! in its own buffer; both compute the same bits (the arithmetic is plain IEEE-754, in f64
//! inside, and a correctly rounded square root).
//!
//! ```
//! use tinyvae_core::anomaly::{Calibration, calibrate};
//!
//! // Reconstruction errors of held-out normal samples, in a caller-owned buffer.
//! let mut window = [0.8, 1.1, 0.9, 1.0, 1.2, 0.7, 1.0, 0.95, 1.05, 3.0];
//! let threshold = calibrate(&mut window, Calibration::Percentile(90.0)).unwrap();
//! assert!((threshold - 1.38).abs() < 1e-6);
//! assert!(Calibration::Percentile(90.0).flags(1.5, threshold));
//! ```

use crate::Error;
use crate::loss::finite;

mod detector;

pub use detector::Detector;

/// What a detector scores a sample by; higher is more abnormal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ScoreKind {
    /// Mean squared error of the reconstruction, (1/d) Σ (xᵢ − x̂ᵢ)², x̂ the decoder's mean of
    /// the clean input's code (μ for a VAE).
    ReconstructionMse,
    /// Cross-entropy of the reconstruction, −Σ [xᵢ ln x̂ᵢ + (1 − xᵢ) ln(1 − x̂ᵢ)], for models
    /// whose decoder gives probabilities (x̂ clamped to [1e-7, 1 − 1e-7]).
    ReconstructionCrossEntropy,
    /// The squared error of the reconstruction relative to the input's norm,
    /// Σ (xᵢ − x̂ᵢ)² / (‖x‖₂ + 10⁻⁶). The squared error grows with how much signal a sample
    /// has (ink, for digits), so a plain one calls rich normal samples abnormal and sparse
    /// abnormal ones normal; dividing by the norm takes that out.
    ReconstructionRelative,
    /// −ELBO (β = 1), the mean of K one-draw estimates (VAEs).
    NegativeElbo,
    /// −log p(x), the importance-weighted estimate with K draws (VAEs; Burda et al. 2016).
    NegativeLogLikelihood,
}

impl ScoreKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [Self; 5] = [
        Self::ReconstructionMse,
        Self::ReconstructionRelative,
        Self::ReconstructionCrossEntropy,
        Self::NegativeElbo,
        Self::NegativeLogLikelihood,
    ];

    /// The short name used in reports, files and flags: `mse`, `rel`, `ce`, `elbo`, `iw`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ReconstructionMse => "mse",
            Self::ReconstructionRelative => "rel",
            Self::ReconstructionCrossEntropy => "ce",
            Self::NegativeElbo => "elbo",
            Self::NegativeLogLikelihood => "iw",
        }
    }

    /// Whether the score averages K draws of the code (−ELBO, −log p(x)); the others are
    /// computed from the reconstruction of the mean code alone.
    pub const fn needs_draws(self) -> bool {
        matches!(self, Self::NegativeElbo | Self::NegativeLogLikelihood)
    }

    /// The kind named `name` (see [`ScoreKind::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// How a threshold is set from the scores of normal samples.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Calibration {
    /// The p-th percentile (0 ≤ p ≤ 100) of the normal scores, interpolated linearly between
    /// order statistics: with the n scores sorted, h = (n − 1)·p/100 and the threshold
    /// x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋₊₁₎ − x₍⌊h⌋₎), the definition of NumPy's default
    /// `percentile`. About (100 − p) % of normal samples score above it.
    Percentile(f32),
    /// The mean plus k standard deviations (population, divided by n) of the normal scores.
    MeanPlusStd(f32),
}

impl Calibration {
    /// Checks the rule's parameter: a percentile in [0, 100], a finite k.
    pub fn validate(self) -> Result<Self, Error> {
        match self {
            Self::Percentile(p) if !(0.0..=100.0).contains(&p) => {
                Err(Error::InvalidConfig("a percentile must be in [0, 100]"))
            }
            Self::MeanPlusStd(k) if !k.is_finite() => {
                Err(Error::InvalidConfig("k standard deviations must be finite"))
            }
            rule => Ok(rule),
        }
    }

    /// Whether a sample of `score` is abnormal under `threshold`: strictly above it.
    pub fn flags(self, score: f32, threshold: f32) -> bool {
        score > threshold
    }
}

/// The threshold `rule` sets from the normal `scores`. Sorts `scores` in place (a percentile
/// needs the order statistics), so a device passes the window it keeps and needs no other
/// memory.
///
/// Errors: [`Error::EmptyBatch`] for no scores, [`Error::NonFinite`] if a score is NaN or
/// infinite, [`Error::InvalidConfig`] for a rule out of range (see
/// [`Calibration::validate`]).
pub fn calibrate(scores: &mut [f32], rule: Calibration) -> Result<f32, Error> {
    let rule = rule.validate()?;
    if scores.is_empty() {
        return Err(Error::EmptyBatch);
    }
    if !scores.iter().all(|s| s.is_finite()) {
        return Err(Error::NonFinite);
    }
    let threshold = match rule {
        Calibration::Percentile(p) => {
            scores.sort_unstable_by(f32::total_cmp);
            let h = (scores.len() - 1) as f64 * f64::from(p) / 100.0;
            // 0 ≤ h ≤ n − 1, so both indices are in bounds.
            let low = h as usize;
            let fraction = h - low as f64;
            let below = f64::from(scores[low]);
            let above = f64::from(scores[(low + 1).min(scores.len() - 1)]);
            below + fraction * (above - below)
        }
        Calibration::MeanPlusStd(k) => {
            let n = scores.len() as f64;
            let mean = scores.iter().map(|&s| f64::from(s)).sum::<f64>() / n;
            let variance = scores
                .iter()
                .map(|&s| (f64::from(s) - mean) * (f64::from(s) - mean))
                .sum::<f64>()
                / n;
            // libm's square root is correctly rounded, as the hardware's: every target agrees.
            mean + f64::from(k) * libm::sqrt(variance)
        }
    };
    finite(threshold as f32)
}

/// The [`ScoreKind::ReconstructionMse`] of one sample `x` and its reconstruction `x_hat`.
///
/// Errors: [`Error::ShapeMismatch`] for lengths that differ, [`Error::EmptyBatch`] for none,
/// [`Error::NonFinite`] for a non-finite result.
pub fn reconstruction_mse(x: &[f32], x_hat: &[f32]) -> Result<f32, Error> {
    check_pair(x, x_hat)?;
    finite(sum_of_squared_differences(x, x_hat) / x.len() as f32)
}

/// The [`ScoreKind::ReconstructionRelative`] of one sample `x` and its reconstruction
/// `x_hat`. Errors as for [`reconstruction_mse`].
pub fn reconstruction_relative(x: &[f32], x_hat: &[f32]) -> Result<f32, Error> {
    check_pair(x, x_hat)?;
    let norm: f32 = libm::sqrtf(x.iter().map(|&a| a * a).sum::<f32>());
    finite(sum_of_squared_differences(x, x_hat) / (norm + 1e-6))
}

/// The [`ScoreKind::ReconstructionCrossEntropy`] of one sample `x` (in [0, 1]) and its
/// reconstruction `x_hat` (probabilities). Errors as for [`reconstruction_mse`].
pub fn reconstruction_cross_entropy(x: &[f32], x_hat: &[f32]) -> Result<f32, Error> {
    const EPSILON: f32 = 1e-7;
    check_pair(x, x_hat)?;
    let sum: f32 = x
        .iter()
        .zip(x_hat)
        .map(|(&x, &p)| {
            let p = p.clamp(EPSILON, 1.0 - EPSILON);
            -(x * libm::logf(p) + (1.0 - x) * libm::logf(1.0 - p))
        })
        .sum();
    finite(sum)
}

fn check_pair(x: &[f32], x_hat: &[f32]) -> Result<(), Error> {
    if x.len() != x_hat.len() {
        return Err(Error::ShapeMismatch {
            expected: x.len(),
            found: x_hat.len(),
        });
    }
    if x.is_empty() {
        return Err(Error::EmptyBatch);
    }
    Ok(())
}

/// Σ (xᵢ − x̂ᵢ)², summed in order: the numerator of both squared-error scores.
fn sum_of_squared_differences(x: &[f32], x_hat: &[f32]) -> f32 {
    x.iter().zip(x_hat).map(|(&a, &b)| (a - b) * (a - b)).sum()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn percentiles_match_numpy_on_a_known_list() {
        // numpy.percentile([7, 1, 3, 9, 5], p) for p = 0, 25, 50, 90, 99.5, 100.
        let list = [7.0, 1.0, 3.0, 9.0, 5.0];
        for (p, expected) in [
            (0.0, 1.0),
            (25.0, 3.0),
            (50.0, 5.0),
            (90.0, 8.2),
            (99.5, 8.96),
            (100.0, 9.0),
        ] {
            let mut scores = list;
            let found = calibrate(&mut scores, Calibration::Percentile(p)).unwrap();
            assert!((found - expected).abs() < 1e-6, "p{p}: {found}");
        }
        // One score: every percentile is it.
        assert_eq!(
            calibrate(&mut [2.5], Calibration::Percentile(99.5)),
            Ok(2.5)
        );
    }

    #[test]
    fn mean_plus_k_std_uses_the_population_deviation() {
        // Mean 5, population variance 8 (deviations −4, −2, 0, 2, 4).
        let mut scores = [1.0, 3.0, 5.0, 7.0, 9.0];
        let found = calibrate(&mut scores, Calibration::MeanPlusStd(3.0)).unwrap();
        assert_eq!(found, (5.0 + 3.0 * 8f64.sqrt()) as f32);
        let found = calibrate(&mut scores, Calibration::MeanPlusStd(-1.0)).unwrap();
        assert_eq!(found, (5.0 - 8f64.sqrt()) as f32);
    }

    #[test]
    fn bad_windows_and_rules_are_errors() {
        assert_eq!(
            calibrate(&mut [], Calibration::Percentile(50.0)),
            Err(Error::EmptyBatch)
        );
        assert_eq!(
            calibrate(&mut [1.0, f32::NAN], Calibration::MeanPlusStd(1.0)),
            Err(Error::NonFinite)
        );
        for rule in [
            Calibration::Percentile(-0.1),
            Calibration::Percentile(100.5),
            Calibration::Percentile(f32::NAN),
            Calibration::MeanPlusStd(f32::INFINITY),
        ] {
            assert!(matches!(
                calibrate(&mut [1.0], rule),
                Err(Error::InvalidConfig(_))
            ));
        }
        // Finite scores whose spread overflows f32.
        assert_eq!(
            calibrate(&mut [f32::MAX, -f32::MAX], Calibration::MeanPlusStd(2.0)),
            Err(Error::NonFinite)
        );
    }

    #[test]
    fn only_scores_above_the_threshold_are_flagged() {
        let rule = Calibration::Percentile(50.0);
        assert!(!rule.flags(1.0, 1.0));
        assert!(rule.flags(1.0 + f32::EPSILON, 1.0));
    }

    #[test]
    fn reconstruction_errors_of_one_sample() {
        let x = [0.0, 1.0, 0.5, 1.0];
        let x_hat = [0.5, 1.0, 0.5, 0.0];
        assert_eq!(reconstruction_mse(&x, &x_hat), Ok((0.25 + 1.0) / 4.0));
        // −ln 0.5 for the first, ~0 for the exact ones, −ln 0.5 for the third, −ln 1e-7 for
        // the last (its probability clamped).
        let ce = reconstruction_cross_entropy(&x, &x_hat).unwrap();
        let expected = 2.0 * core::f32::consts::LN_2 - libm::logf(1e-7);
        assert!((ce - expected).abs() < 1e-4, "{ce} vs {expected}");
        assert_eq!(
            reconstruction_mse(&x, &x_hat[..3]),
            Err(Error::ShapeMismatch {
                expected: 4,
                found: 3
            })
        );
        assert_eq!(reconstruction_mse(&[], &[]), Err(Error::EmptyBatch));
        // ‖x‖ = √2.25 = 1.5; Σ(x − x̂)² = 1.25.
        let relative = reconstruction_relative(&x, &x_hat).unwrap();
        assert!((relative - 1.25 / 1.5).abs() < 1e-6, "{relative}");
        // An all-zero input is not a division by zero.
        assert_eq!(reconstruction_relative(&[0.0; 2], &[0.0; 2]), Ok(0.0));
        assert!(reconstruction_relative(&[0.0], &[0.5]).unwrap().is_finite());
        assert_eq!(
            reconstruction_mse(&[f32::MAX], &[-f32::MAX]),
            Err(Error::NonFinite)
        );
    }

    #[test]
    fn score_names_round_trip() {
        for kind in ScoreKind::ALL {
            assert_eq!(ScoreKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(ScoreKind::from_name("auc"), None);
    }
}
