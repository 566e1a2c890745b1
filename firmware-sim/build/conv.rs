//! The convolutional autoencoder's part of the build: the host's figures for
//! `conv-ae-digits`, computed by the device workload (`src/conv_workload.rs`) run here at
//! batch 1, where the core's convolutions take the direct loops a device runs; and a check
//! that the host's batch path (the lowered GEMM `tinyvae eval` runs on a batch of 16) agrees
//! with them to rounding.

use bytemuck::Zeroable;
use tinyvae_core::{Model, weights};

use crate::conv_workload::{self, ConvAeDigits, ConvFigures};
use crate::workload::{self, PIXELS, TEST_DIGITS};
use crate::{BoxError, bits_source, trajectory, trajectory_source};

/// Largest |x̂ − x̂'| allowed between a reconstruction at batch 1 (direct loops) and the same
/// digit in a batch of [`TEST_DIGITS`] (lowered products, summed in another order).
const BATCH_PATH_TOLERANCE: f32 = 1e-5;

/// The model of the `conv-ae-digits` blob, loaded on the host; the blob must carry no input
/// transform (the firmware feeds it pixels / 16).
pub fn load(blob: &[u8]) -> Result<ConvAeDigits, BoxError> {
    if weights::inspect(blob)?.transform.is_some() {
        return Err(
            "data/device/conv-ae-digits.tvw has an input transform; the firmware has none".into(),
        );
    }
    let mut model = ConvAeDigits::zeroed();
    weights::load(blob, &mut model)?;
    Ok(model)
}

/// `CONV_INFERENCE` and `CONV_SGD` for `reference.rs`.
pub fn reference_source(blob: &[u8], digits: &[[u8; PIXELS]]) -> Result<String, BoxError> {
    let model = load(blob)?;
    let mut workspace = vec![0.0f32; <ConvAeDigits as Model>::WORKSPACE];
    let mut bits = Vec::new();
    let mut reconstructions = Vec::new();
    for raw in digits {
        let figures = conv_workload::conv_figures(&model, &workload::pixels(raw), &mut workspace)?;
        bits.extend(figures.values().map(f32::to_bits));
        reconstructions.extend_from_slice(&figures.reconstruction);
    }
    assert_eq!(bits.len(), TEST_DIGITS * ConvFigures::VALUES);
    check_batch_path(&model, digits, &reconstructions)?;

    let mut s = bits_source(
        "CONV_INFERENCE",
        "`conv_workload::ConvFigures::values` of each test digit in turn, computed on the host.",
        &bits,
    );
    let data = workload::finetune_batch(digits);
    let t = trajectory(&model, conv_workload::CONV_SGD, &data)?;
    s += &trajectory_source("CONV_SGD", "The host's fine-tuning run `CONV_SGD`.", &t);
    Ok(s)
}

/// Reconstructs the digits as one batch, as the host's evaluation does, and checks that it
/// agrees with the batch-1 reconstructions to [`BATCH_PATH_TOLERANCE`].
fn check_batch_path(
    model: &ConvAeDigits,
    digits: &[[u8; PIXELS]],
    single: &[f32],
) -> Result<(), BoxError> {
    let batch = digits.len();
    let inputs: Vec<f32> = digits.iter().flat_map(workload::pixels).collect();
    let mut workspace = vec![0.0f32; ConvAeDigits::INFERENCE_WORKSPACE * batch];
    let mut batched = vec![0.0f32; PIXELS * batch];
    model.reconstruct(&inputs, &mut batched, batch, &mut workspace)?;
    let worst = batched
        .iter()
        .zip(single)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    if worst.is_nan() || worst > BATCH_PATH_TOLERANCE {
        return Err(format!(
            "conv-ae-digits: a batch of {batch} reconstructs up to {worst:e} away from batch 1 \
             (expected at most {BATCH_PATH_TOLERANCE:e})"
        )
        .into());
    }
    Ok(())
}
