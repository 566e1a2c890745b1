//! The detector's part of the build: the normal digits the firmware carries for
//! re-calibration, and the host's figures for the detector, computed by the host's own scoring
//! (`tinyvae_host::anomaly::score_samples`, what `tinyvae score` runs) and checked against the
//! device workload (`src/detection.rs`) run here.

use std::fmt::Write as _;
use std::path::Path;

use bytemuck::Zeroable;
use tinyvae_core::anomaly::Detector;
use tinyvae_core::weights;
use tinyvae_host::anomaly::{ScoreOptions, score_samples};
use tinyvae_host::data::{Dataset, Split};
use tinyvae_host::presets::find_preset;

use crate::detection::{self, AdDigits, NORMAL_CLASS, NORMAL_WINDOW};
use crate::workload::{self, FINETUNE_BATCH, PIXELS, TEST_DIGITS, Training};
use crate::{BoxError, bits_source, hex, trajectory_source};

/// The model and the detector of the `ad-digits` blob, loaded on the host; the blob must
/// carry a detector and no input transform (the firmware feeds it pixels / 16).
pub fn load(blob: &[u8]) -> Result<(AdDigits, Detector), BoxError> {
    let info = weights::inspect(blob)?;
    let detector = info
        .detector
        .ok_or("data/device/ad-digits.tvw carries no detector: calibrate before exporting")?;
    if info.transform.is_some() {
        return Err(
            "data/device/ad-digits.tvw has an input transform; the firmware has none".into(),
        );
    }
    let mut model = AdDigits::zeroed();
    weights::load(blob, &mut model)?;
    Ok((model, detector))
}

/// The first [`NORMAL_WINDOW`] digits of class [`NORMAL_CLASS`] in the test split, raw.
pub fn normal_digits(path: &Path, split: &Split) -> Result<Vec<[u8; PIXELS]>, BoxError> {
    let normal: Vec<[u8; PIXELS]> = split
        .test
        .iter()
        .filter(|(_, label)| *label == Some(NORMAL_CLASS))
        .take(NORMAL_WINDOW)
        .map(|(image, _)| std::array::from_fn(|i| (image[i] * workload::MAX_PIXEL) as u8))
        .collect();
    if normal.len() < NORMAL_WINDOW {
        return Err(format!(
            "{}: fewer than {NORMAL_WINDOW} test digits of class {NORMAL_CLASS}",
            path.display()
        )
        .into());
    }
    Ok(normal)
}

/// `NORMAL_DIGITS`, for `digits.rs`.
pub fn normal_digits_source(normal: &[[u8; PIXELS]]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "/// The first {NORMAL_WINDOW} digits of class {NORMAL_CLASS} in the test split, pixels \
         0 to 16: the normal window of the detector's re-calibration."
    );
    let _ = writeln!(
        s,
        "pub static NORMAL_DIGITS: [[u8; {PIXELS}]; {NORMAL_WINDOW}] = ["
    );
    for image in normal {
        let _ = writeln!(s, "    {image:?},");
    }
    let _ = writeln!(s, "];");
    s
}

/// The detector's reference figures, appended to `reference.rs`: the host's score of each test
/// digit, and the fine-tuning, normal scores and new threshold of a re-calibration.
pub fn reference_source(
    blob: &[u8],
    digits: &[[u8; PIXELS]],
    labels: &[u8],
    normal: &[[u8; PIXELS]],
) -> Result<String, BoxError> {
    let (model, detector) = load(blob)?;
    let preset = find_preset("ad-digits")?;
    let values: Vec<f32> = digits.iter().flat_map(workload::pixels).collect();
    let shape = tinyvae_host::data::SampleShape::Image {
        width: 8,
        height: 8,
    };
    let data = Dataset::from_parts(
        "test digits",
        shape,
        values,
        digits.len(),
        Some(labels.to_vec()),
    )?;
    let options = ScoreOptions {
        kinds: vec![detector.score],
        importance_samples: detector.importance_samples as usize,
        seed: 0,
        threads: 1,
        batched: false,
    };
    let host = score_samples(&model, &preset.config, &data, &options)?;
    let mut workspace = vec![0.0f32; <AdDigits as tinyvae_core::Model>::WORKSPACE * FINETUNE_BATCH];
    let mut scores = Vec::new();
    for (i, raw) in digits.iter().enumerate() {
        let device = detection::score(&model, &detector, &workload::pixels(raw), &mut workspace)?;
        let scored = host.sample(i)[0];
        if device.to_bits() != scored.to_bits() {
            return Err(format!(
                "test digit {i}: the device workload scores {device}, the host's scoring {scored}"
            )
            .into());
        }
        scores.push(scored.to_bits());
    }
    assert_eq!(scores.len(), TEST_DIGITS);

    let normal: &[[u8; PIXELS]; NORMAL_WINDOW] = normal.try_into()?;
    let mut params = model;
    let mut grads = AdDigits::zeroed();
    let mut training = Training {
        params: &mut params,
        grads: &mut grads,
        state: &mut (),
        workspace: &mut workspace,
        update: workload::SGD,
    };
    let r = detection::recalibrate(&mut training, &detector, normal)?;
    let t = &r.trajectory;
    if t.evaluations[workload::EVALUATIONS - 1] >= t.evaluations[0] {
        return Err(format!(
            "ad-digits sgd: fine-tuning does not lower the loss on the host: {:?}",
            t.evaluations
        )
        .into());
    }
    // The host's own calibration of the same scores gives the same threshold.
    let mut window = r.scores.to_vec();
    let calibrated = tinyvae_host::anomaly::calibrate(&mut window, detector.rule)?;
    assert_eq!(calibrated.to_bits(), r.detector.threshold.to_bits());

    let doc = format!(
        "The host's {} score of each test digit under `ad-digits.tvw` (`score_samples`).",
        detector.score.name()
    );
    let mut s = bits_source("AD_SCORES", &doc, &scores);
    s += &trajectory_source(
        "AD_SGD",
        "The host's fine-tuning of `ad-digits` on the first normal digits (SGD).",
        t,
    );
    let window: Vec<u32> = r.scores.iter().map(|v| v.to_bits()).collect();
    let _ = writeln!(
        s,
        "/// The fine-tuned model's score of each normal digit, on the host."
    );
    let _ = writeln!(
        s,
        "pub static AD_NORMAL_SCORES: [u32; {NORMAL_WINDOW}] = {};",
        hex(&window)
    );
    let _ = writeln!(
        s,
        "/// The threshold the host sets from those scores by the blob's rule."
    );
    let _ = writeln!(
        s,
        "pub const AD_RECALIBRATED_THRESHOLD: u32 = {:#010x};",
        r.detector.threshold.to_bits()
    );
    Ok(s)
}
