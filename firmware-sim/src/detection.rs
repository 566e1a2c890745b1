//! The anomaly detector of the device workload, written once and compiled twice like
//! [`crate::workload`]: into this library (run on every board) and into `build.rs` (run on the
//! host to write the figures the device must reproduce).
//!
//! The detector is `ad-digits` (`data/device/ad-digits.tvw`, a version-4 blob) trained on the
//! digit [`NORMAL_CLASS`] alone and calibrated on the host. The device scores each sample by
//! the blob's own score ([`tinyvae_core::anomaly::Detector::score_reconstruction`]) and calls
//! it abnormal above the blob's threshold; after fine-tuning it sets a new threshold, by the
//! same rule, from a window of [`NORMAL_WINDOW`] normal scores held on its stack.
//! Everything runs at batch 1 or [`FINETUNE_BATCH`], the core's dot-product path.

use tinyvae_core::anomaly::Detector;
use tinyvae_core::autoencoder::AutoencoderConfig;
use tinyvae_core::optim::Sgd;
use tinyvae_core::{Error, Model};

pub use tinyvae_core::presets::AdDigits;

use crate::workload::{self, FINETUNE_BATCH, PIXELS, Trainable, Training, Trajectory};

/// The digit `ad-digits.tvw` was trained on: every other digit is abnormal.
pub const NORMAL_CLASS: u8 = 0;
/// Normal digits the device keeps for re-calibration: the first ones of [`NORMAL_CLASS`] in
/// the test split; the first [`FINETUNE_BATCH`] of them are also what it fine-tunes on.
pub const NORMAL_WINDOW: usize = 16;
/// Multiply-accumulates of one `ad-digits` reconstruction: 64·32 + 32·8 + 8·32 + 32·64.
pub const AD_INFERENCE_MACS: usize = AdDigits::RECONSTRUCTION_MACS;

impl Trainable for AdDigits {
    const PRESET: &'static str = "ad-digits";
    /// Cross-entropy on the sigmoid output, no input noise (the preset's settings).
    fn config() -> AutoencoderConfig {
        AutoencoderConfig::default()
    }
}

/// The detector's score of one digit `x`: its reconstruction (batch 1) scored by the blob's
/// score. `workspace` holds at least `<AdDigits as Model>::WORKSPACE` floats.
pub fn score(
    model: &AdDigits,
    detector: &Detector,
    x: &[f32; PIXELS],
    workspace: &mut [f32],
) -> Result<f32, Error> {
    let mut reconstruction = [0.0f32; PIXELS];
    model.reconstruct(x, &mut reconstruction, 1, workspace)?;
    detector.score_reconstruction(x, &reconstruction)
}

/// The decisions on `scores`, one bit per sample (bit i set: sample i is abnormal).
pub fn decisions(detector: &Detector, scores: &[f32]) -> u32 {
    scores
        .iter()
        .take(32)
        .enumerate()
        .filter(|&(_, &s)| detector.flags(s))
        .fold(0, |bits, (i, _)| bits | 1 << i)
}

/// What re-calibration after fine-tuning produced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recalibration {
    /// The fine-tuning run on the first [`FINETUNE_BATCH`] normal digits.
    pub trajectory: Trajectory,
    /// The fine-tuned model's score of each normal digit, in order.
    pub scores: [f32; NORMAL_WINDOW],
    /// The detector with the threshold set from those scores by its own rule.
    pub detector: Detector,
}

/// Fine-tunes `training`'s weights on the first [`FINETUNE_BATCH`] of `normal` (as
/// [`Training::run`]), scores every digit of `normal` with the fine-tuned weights, and sets a
/// new threshold from those scores by `detector`'s rule, in a window on the stack.
pub fn recalibrate(
    training: &mut Training<'_, AdDigits, Sgd>,
    detector: &Detector,
    normal: &[[u8; PIXELS]; NORMAL_WINDOW],
) -> Result<Recalibration, Error> {
    let data = workload::finetune_batch(normal);
    let trajectory = training.run(&data, FINETUNE_BATCH)?;
    let mut scores = [0.0f32; NORMAL_WINDOW];
    for (s, raw) in scores.iter_mut().zip(normal) {
        *s = score(
            training.params,
            detector,
            &workload::pixels(raw),
            training.workspace,
        )?;
    }
    // calibrate sorts its window: keep the scores in order for the report.
    let mut window = scores;
    let detector = detector.recalibrated(&mut window)?;
    Ok(Recalibration {
        trajectory,
        scores,
        detector,
    })
}
