//! Device entry points of the anomaly detector (`ad-digits`): take the blob, viewed in place in
//! flash, return a typed report. Heap-free, no printing; each mode owns its buffers as locals
//! and is never inlined, so its stack high-water mark is all the RAM it needs (see
//! [`crate::device`]).

use core::hint::black_box;
use core::mem::size_of;

use bytemuck::Zeroable;
use tinyvae_core::Model;
use tinyvae_core::anomaly::Detector;
use tinyvae_core::weights;

use crate::agreement::Agreement;
use crate::bench::TickCounter;
use crate::data::{NORMAL_DIGITS, TEST_DIGITS, TEST_LABELS};
use crate::detection::{self, AD_INFERENCE_MACS, AdDigits, NORMAL_CLASS, NORMAL_WINDOW};
use crate::device::{INFERENCE_REPEATS, bench, digit};
use crate::error::DeviceError;
use crate::reference;
use crate::report::{DetectReport, RecalibrationReport};
use crate::workload::{self, FINETUNE_BATCH, PIXELS, Training};

const PRESET: &str = "ad-digits";

/// Validates the `ad-digits` blob with `weights::view` and returns the model in place with
/// its detector. A blob without a detector ([`DeviceError::NoDetector`]) or with an input
/// transform ([`DeviceError::UnexpectedTransform`]: the modes take pixels / 16) is refused.
pub fn view_ad(blob: &[u8]) -> Result<(&AdDigits, Detector), DeviceError> {
    let view = weights::view::<AdDigits>(blob).map_err(|error| DeviceError::Blob {
        preset: PRESET,
        error,
    })?;
    if view.transform.is_some() {
        return Err(DeviceError::UnexpectedTransform { preset: PRESET });
    }
    let detector = view
        .detector
        .ok_or(DeviceError::NoDetector { preset: PRESET })?;
    Ok((view.model, detector))
}

/// Mode `ad-digits.detect`: scores each test digit with the blob's score, decides it against
/// the blob's threshold, and compares every score with the host's (`score_samples`); then
/// times the scoring of one sample.
#[inline(never)]
pub fn ad_detect(
    model: &AdDigits,
    detector: &Detector,
    counter: &mut impl TickCounter,
) -> Result<DetectReport, DeviceError> {
    const WHAT: &str = "ad-digits detect";
    let mut workspace = [0.0f32; <AdDigits as Model>::WORKSPACE];
    let scores =
        score_test_digits(model, detector, &mut workspace).map_err(DeviceError::model(WHAT))?;
    let mut agreement = Agreement::default();
    agreement.compare_all(0, scores, &reference::AD_SCORES);
    agreement.check(WHAT)?;
    let decisions = detection::decisions(detector, &scores);
    let abnormal = abnormal_labels();

    let calls = INFERENCE_REPEATS * TEST_DIGITS.len() as u32;
    let mut result = Ok(0.0);
    let timing = bench(counter, calls, digit, |x| {
        result = detection::score(model, detector, x, &mut workspace);
        black_box(&result);
    });
    result.map_err(DeviceError::model(WHAT))?;
    Ok(DetectReport {
        digits: TEST_DIGITS.len(),
        agreement,
        decisions,
        abnormal_labels: abnormal,
        bench: timing,
        macs: AD_INFERENCE_MACS as u32,
    })
}

/// `detector`'s score of each test digit under `model`, in order.
fn score_test_digits(
    model: &AdDigits,
    detector: &Detector,
    workspace: &mut [f32],
) -> Result<[f32; TEST_DIGITS.len()], tinyvae_core::Error> {
    let mut scores = [0.0f32; TEST_DIGITS.len()];
    for (s, raw) in scores.iter_mut().zip(&TEST_DIGITS) {
        *s = detection::score(model, detector, &workload::pixels(raw), workspace)?;
    }
    Ok(scores)
}

/// Bit i set: test digit i is not of [`NORMAL_CLASS`], so should be flagged.
fn abnormal_labels() -> u32 {
    const { assert!(TEST_LABELS.len() <= 32, "one decision bit per test digit") };
    TEST_LABELS
        .iter()
        .enumerate()
        .filter(|&(_, &label)| label != NORMAL_CLASS)
        .fold(0, |bits, (i, _)| bits | 1 << i)
}

/// RAM the re-calibration mode allocates as buffers: the weights copy, the gradients, the
/// workspace and the batch, and the window of normal scores (twice: in order and sorted).
pub const RECALIBRATION_BUFFER_BYTES: usize = 2 * size_of::<AdDigits>()
    + size_of::<f32>() * ((<AdDigits as Model>::WORKSPACE + PIXELS) * FINETUNE_BATCH)
    + 2 * size_of::<f32>() * NORMAL_WINDOW;

/// Mode `ad-digits.recalibrate`: fine-tunes a RAM copy of the detector's weights with plain SGD
/// on the first normal digits, scores the [`NORMAL_WINDOW`] normal digits with them, sets a new
/// threshold by the blob's rule, compares the run, the scores and the threshold with the
/// host's, and decides the test digits again with the new threshold.
#[inline(never)]
pub fn ad_recalibrate(
    model: &AdDigits,
    detector: &Detector,
) -> Result<RecalibrationReport, DeviceError> {
    const WHAT: &str = "ad-digits recalibrate";
    let mut params = *model;
    let mut grads = AdDigits::zeroed();
    let mut workspace = [0.0f32; <AdDigits as Model>::WORKSPACE * FINETUNE_BATCH];
    let mut training = Training {
        params: &mut params,
        grads: &mut grads,
        state: &mut (),
        workspace: &mut workspace,
        update: workload::SGD,
    };
    let r = detection::recalibrate(&mut training, detector, &NORMAL_DIGITS)
        .map_err(DeviceError::model(WHAT))?;
    let t = &r.trajectory;
    let reference = &reference::AD_SGD;
    let mut agreement = Agreement::default();
    agreement.compare_all(0, t.evaluations, &reference.evaluations);
    let mut at = t.evaluations.len();
    agreement.compare_all(at, t.step_losses, &reference.step_losses);
    at += t.step_losses.len();
    agreement.compare(at, f32::from_bits(t.fingerprint), reference.fingerprint);
    agreement.compare_all(at + 1, r.scores, &reference::AD_NORMAL_SCORES);
    agreement.compare(
        at + 1 + NORMAL_WINDOW,
        r.detector.threshold,
        reference::AD_RECALIBRATED_THRESHOLD,
    );
    agreement.check(WHAT)?;
    let (first, last) = (t.evaluations[0], t.evaluations[t.evaluations.len() - 1]);
    if last >= first || last.is_nan() {
        return Err(DeviceError::NotLearning {
            what: WHAT,
            first,
            last,
        });
    }
    let scores = score_test_digits(training.params, &r.detector, training.workspace)
        .map_err(DeviceError::model(WHAT))?;
    Ok(RecalibrationReport {
        trajectory: r.trajectory,
        agreement,
        detector: r.detector,
        window: NORMAL_WINDOW,
        decisions: detection::decisions(&r.detector, &scores),
        digits: TEST_DIGITS.len(),
        buffer_bytes: RECALIBRATION_BUFFER_BYTES,
    })
}
