//! A calibrated detector: the score it uses, the rule its threshold came from and the threshold,
//! as a weight blob of format version 4 carries them to a device.

use super::{
    Calibration, ScoreKind, calibrate, reconstruction_cross_entropy, reconstruction_mse,
    reconstruction_relative,
};
use crate::Error;

/// What a device needs to tell normal from abnormal: a sample is abnormal when its
/// [`score`](Detector::score) is strictly above [`threshold`](Detector::threshold).
///
/// The host calibrates it (`tinyvae calibrate`) and exports it with the weights
/// ([`crate::weights::save_with_detector`]); a device reads it from the blob in flash
/// ([`crate::weights::WeightsView::detector`]), scores its samples with
/// [`Detector::score_reconstruction`] (or, for the VAE scores, the VAE's
/// `negative_elbo` and `importance_weighted_log_likelihood`), and may set a new threshold with
/// [`Detector::recalibrated`] from a window of its own normal scores after fine-tuning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detector {
    /// The score the threshold applies to.
    pub score: ScoreKind,
    /// K, the draws of the −ELBO and importance-weighted scores (1 for the reconstruction
    /// scores, which draw nothing).
    pub importance_samples: u32,
    /// How the threshold was set.
    pub rule: Calibration,
    /// The threshold: scores above it are abnormal.
    pub threshold: f32,
    /// How many normal scores the threshold was set from.
    pub samples: u32,
}

impl Detector {
    /// Whether a sample of `score` is abnormal: strictly above the threshold.
    pub fn flags(&self, score: f32) -> bool {
        self.rule.flags(score, self.threshold)
    }

    /// Checks the fields: a rule in range ([`Calibration::validate`]), a finite threshold, at
    /// least one importance sample and one calibration sample.
    pub fn validate(self) -> Result<Self, Error> {
        self.rule.validate()?;
        if !self.threshold.is_finite() {
            return Err(Error::NonFinite);
        }
        if self.importance_samples == 0 {
            return Err(Error::InvalidConfig("importance samples must be >= 1"));
        }
        if self.samples == 0 {
            return Err(Error::EmptyBatch);
        }
        Ok(self)
    }

    /// The detector's score of sample `x` from its reconstruction `x_hat` (the decoder's
    /// mean of the clean input's code, what [`crate::Model::reconstruct_with`] gives), for the
    /// three reconstruction scores.
    ///
    /// Errors: [`Error::InvalidConfig`] if the detector's score is a VAE's −ELBO or −log p(x),
    /// which need the model and draws, not a reconstruction; otherwise as
    /// [`reconstruction_mse`].
    pub fn score_reconstruction(&self, x: &[f32], x_hat: &[f32]) -> Result<f32, Error> {
        match self.score {
            ScoreKind::ReconstructionMse => reconstruction_mse(x, x_hat),
            ScoreKind::ReconstructionRelative => reconstruction_relative(x, x_hat),
            ScoreKind::ReconstructionCrossEntropy => reconstruction_cross_entropy(x, x_hat),
            ScoreKind::NegativeElbo | ScoreKind::NegativeLogLikelihood => Err(
                Error::InvalidConfig("this score needs the VAE and draws, not a reconstruction"),
            ),
        }
    }

    /// The same detector with a threshold set by the same rule from `window`, the scores of
    /// normal samples a device has kept (sorted in place, see [`calibrate`]); the host
    /// computes the same bits from the same scores.
    ///
    /// Errors as for [`calibrate`], and [`Error::Malformed`] for more than `u32::MAX` scores.
    pub fn recalibrated(&self, window: &mut [f32]) -> Result<Self, Error> {
        let samples = u32::try_from(window.len()).map_err(|_| Error::Malformed)?;
        let threshold = calibrate(window, self.rule)?;
        Ok(Self {
            threshold,
            samples,
            ..*self
        })
    }
}

impl ScoreKind {
    /// The byte that stands for the kind in a weight blob: 1 `mse`, 2 `rel`, 3 `ce`,
    /// 4 `elbo`, 5 `iw`.
    pub const fn code(self) -> u8 {
        match self {
            Self::ReconstructionMse => 1,
            Self::ReconstructionRelative => 2,
            Self::ReconstructionCrossEntropy => 3,
            Self::NegativeElbo => 4,
            Self::NegativeLogLikelihood => 5,
        }
    }

    /// The kind of [`ScoreKind::code`] `code`, if it is one.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

impl Calibration {
    /// The byte that stands for the rule in a weight blob: 1 percentile, 2 mean + k·σ.
    pub const fn code(self) -> u8 {
        match self {
            Self::Percentile(_) => 1,
            Self::MeanPlusStd(_) => 2,
        }
    }

    /// The rule's parameter: the percentile p or the k of mean + k·σ.
    pub const fn parameter(self) -> f32 {
        match self {
            Self::Percentile(p) | Self::MeanPlusStd(p) => p,
        }
    }

    /// The rule of [`Calibration::code`] `code` with `parameter`, if `code` is one (the
    /// parameter is not checked here: see [`Calibration::validate`]).
    pub const fn from_code(code: u8, parameter: f32) -> Option<Self> {
        match code {
            1 => Some(Self::Percentile(parameter)),
            2 => Some(Self::MeanPlusStd(parameter)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn detector() -> Detector {
        Detector {
            score: ScoreKind::ReconstructionMse,
            importance_samples: 1,
            rule: Calibration::Percentile(90.0),
            threshold: 1.0,
            samples: 10,
        }
    }

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for kind in ScoreKind::ALL {
            assert_eq!(ScoreKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(ScoreKind::from_code(0), None);
        assert_eq!(ScoreKind::from_code(6), None);
        for rule in [Calibration::Percentile(99.5), Calibration::MeanPlusStd(3.0)] {
            assert_eq!(
                Calibration::from_code(rule.code(), rule.parameter()),
                Some(rule)
            );
        }
        assert_eq!(Calibration::from_code(3, 1.0), None);
    }

    #[test]
    fn flags_strictly_above_and_scores_by_its_kind() {
        let d = detector();
        assert!(!d.flags(1.0));
        assert!(d.flags(1.000_001));
        let x = [0.0, 1.0];
        let x_hat = [0.5, 0.5];
        assert_eq!(d.score_reconstruction(&x, &x_hat).unwrap(), 0.25);
        let relative = Detector {
            score: ScoreKind::ReconstructionRelative,
            ..d
        };
        assert_eq!(
            relative.score_reconstruction(&x, &x_hat).unwrap(),
            reconstruction_relative(&x, &x_hat).unwrap()
        );
        let elbo = Detector {
            score: ScoreKind::NegativeElbo,
            ..d
        };
        assert!(matches!(
            elbo.score_reconstruction(&x, &x_hat),
            Err(Error::InvalidConfig(_))
        ));
    }

    #[test]
    fn recalibration_keeps_the_rule_and_counts_the_window() {
        let mut window = [0.8, 1.1, 0.9, 1.0, 1.2, 0.7, 1.0, 0.95, 1.05, 3.0];
        let mut copy = window;
        let new = detector().recalibrated(&mut window).unwrap();
        assert_eq!(new.rule, Calibration::Percentile(90.0));
        assert_eq!(new.samples, 10);
        assert_eq!(
            new.threshold,
            calibrate(&mut copy, Calibration::Percentile(90.0)).unwrap()
        );
        assert!(matches!(
            detector().recalibrated(&mut []),
            Err(Error::EmptyBatch)
        ));
    }

    #[test]
    fn validate_refuses_what_a_blob_must_not_hold() {
        assert!(detector().validate().is_ok());
        let bad = [
            Detector {
                threshold: f32::NAN,
                ..detector()
            },
            Detector {
                importance_samples: 0,
                ..detector()
            },
            Detector {
                samples: 0,
                ..detector()
            },
            Detector {
                rule: Calibration::Percentile(101.0),
                ..detector()
            },
        ];
        for d in bad {
            assert!(d.validate().is_err(), "{d:?}");
        }
    }
}
