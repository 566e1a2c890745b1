//! Device side: the weights embedded in flash, checked by `weights::view`, used in place for
//! one inference; the code path a firmware runs, here on the host so its results can be
//! printed.
//!
//! ```sh
//! cargo run -p tinyvae-core --example device_inference
//! ```
//!
//! Everything in [`infer`] is `core` and `tinyvae-core` only: no heap, no `std`, the workspace
//! an array on the stack. `firmware-template/` runs the same lines on a Cortex-M4.

use tinyvae_core::presets::{AeDigits, ConvAeDigits, VaeDigits};
use tinyvae_core::vae::MlpVae;
use tinyvae_core::weights::{self, WeightBlob};
use tinyvae_core::{Error, Footprint, Model, OneSample, include_weights};

/// The blob `tinyvae export` wrote for the `vae-digits` preset, 4-byte aligned in flash, its
/// length checked against `VaeDigits` as this compiles.
static BLOB: &[u8] = include_weights!(VaeDigits, "../../data/device/vae-digits.tvw");

/// An 8×8 digit "1", pixels / 16, as a device would read it from a sensor.
const DIGIT: [f32; 64] = {
    let mut x = [0.0f32; 64];
    let mut row = 0;
    while row < 8 {
        x[row * 8 + 4] = 1.0;
        x[row * 8 + 3] = 0.5;
        row += 1;
    }
    x
};

/// What one inference gives.
struct Inference {
    mean: [f32; 2],
    log_variance: [f32; 2],
    reconstruction: [f32; 64],
}

/// Checks the blob (magic, version, kind, layer sizes, CRC, every weight finite), then q(z|x)
/// and x̂ = decode(μ), in a workspace of `INFERENCE_WORKSPACE` floats.
fn infer(blob: &'static [u8], x: &[f32; 64]) -> Result<Inference, Error> {
    let view = weights::view::<VaeDigits>(blob)?;
    let model = view.model;
    let mut workspace = [0.0f32; VaeDigits::INFERENCE_WORKSPACE];
    let mut out = Inference {
        mean: [0.0; 2],
        log_variance: [0.0; 2],
        reconstruction: [0.0; 64],
    };
    model.encode_distribution_one(x, &mut out.mean, &mut out.log_variance, &mut workspace)?;
    model.decode_one(&out.mean, &mut out.reconstruction, &mut workspace)?;
    Ok(out)
}

fn main() -> Result<(), Error> {
    let out = infer(BLOB, &DIGIT)?;
    let error: f32 = DIGIT
        .iter()
        .zip(&out.reconstruction)
        .map(|(x, r)| (x - r) * (x - r))
        .sum();
    println!("μ = {:?}, log σ² = {:?}", out.mean, out.log_variance);
    println!("Σ(x̂ − x)² = {error:.4}");
    for row in out.reconstruction.chunks(8) {
        let shades: String = row
            .iter()
            .map(|&p| [' ', '.', ':', '*', '#'][((p * 4.99) as usize).min(4)])
            .collect();
        println!("  |{shades}|");
    }

    println!(
        "blob: {} bytes in flash, at address {:p}",
        BLOB.len(),
        BLOB.as_ptr()
    );
    println!("workspace per sample, bytes: inference / training");
    figures::<VaeDigits>("vae-digits (MlpVae<64, 32, 2>)");
    figures::<AeDigits>("ae-digits (ShallowAutoencoder<64, 16>)");
    figures::<ConvAeDigits>("conv-ae-digits (convolutional, 4 609 parameters)");
    figures::<MlpVae<784, 400, 20>>("MlpVae<784, 400, 20>");
    Ok(())
}

/// Prints the workspace figures of `M`, and its blob length.
fn figures<M: Model>(name: &str) {
    println!(
        "  {name}: {} / {}, blob {} bytes",
        M::INFERENCE_WORKSPACE_BYTES_PER_SAMPLE,
        M::WORKSPACE_BYTES_PER_SAMPLE,
        M::BLOB_LEN
    );
}
