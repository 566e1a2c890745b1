//! The convolutional autoencoder of the device workload, written once and compiled twice like
//! [`crate::workload`]: into this library (run on every board) and into `build.rs` (run on the
//! host to write the figures the device must reproduce).
//!
//! The model is `conv-ae-digits` (`data/device/conv-ae-digits.tvw`): two 3×3 convolutions of
//! stride 2, a dense code of [`CONV_CODE`], and back through two transposed convolutions, a
//! sigmoid output. Everything runs at batch 1 or
//! [`FINETUNE_BATCH`](crate::workload::FINETUNE_BATCH), where the core's convolutions take
//! their direct loops (never the lowered GEMM of a host batch) and its dense layers their dot
//! products, so both compilations run the same arithmetic in the same order.

use tinyvae_core::autoencoder::AutoencoderConfig;
use tinyvae_core::optim::Sgd;
use tinyvae_core::{Error, Model, seeded_rng};

pub use tinyvae_core::presets::ConvAeDigits;

use crate::workload::{self, ELBO_SEED, PIXELS, Trainable};

/// Code size of [`ConvAeDigits`].
pub const CONV_CODE: usize = 16;
/// Multiply-accumulates of one reconstruction, the taps inside the input of each
/// convolution and both dense layers: 968 + 3 200 + 1 024 + 1 024 + 3 200 + 968.
pub const CONV_INFERENCE_MACS: usize = ConvAeDigits::RECONSTRUCTION_MACS;

/// Step size of its plain-SGD fine-tuning: a filter's weights are shared by every position,
/// so their gradients sum over all of them, and the dense presets' 0.01 overshoots (the loss
/// of the four digits rises from 17.6 to 20.9 over the first 8 steps; 0.002 climbs to 25.8
/// before it falls). At 0.0005 it falls at every step, 17.63 to 16.01.
pub const CONV_SGD_LEARNING_RATE: f32 = 0.0005;

/// The update of its plain-SGD fine-tuning run.
pub const CONV_SGD: Sgd = Sgd {
    learning_rate: CONV_SGD_LEARNING_RATE,
};

impl Trainable for ConvAeDigits {
    const PRESET: &'static str = "conv-ae-digits";
    /// Cross-entropy on the sigmoid output, no input noise (the preset's settings).
    fn config() -> AutoencoderConfig {
        AutoencoderConfig::default()
    }
}

/// What the convolutional autoencoder computes for one test digit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConvFigures {
    /// The code h(x).
    pub code: [f32; CONV_CODE],
    /// x̂ = σ(D(h(x))).
    pub reconstruction: [f32; PIXELS],
    /// Σ (x̂ − x)².
    pub squared_error: f32,
    /// The training loss of the digit alone: the cross-entropy of x̂ against x.
    pub loss: f32,
}

impl ConvFigures {
    /// Values in [`ConvFigures::values`].
    pub const VALUES: usize = CONV_CODE + PIXELS + 2;

    /// Every value, in a fixed order: the code, x̂, Σ(x̂ − x)², the loss.
    pub fn values(&self) -> impl Iterator<Item = f32> + '_ {
        self.code
            .iter()
            .chain(&self.reconstruction)
            .copied()
            .chain([self.squared_error, self.loss])
    }
}

/// One reconstruction (the [`CONV_INFERENCE_MACS`] the device times): the code h(x), then
/// σ(D(h)). `workspace` holds `ConvAeDigits::INFERENCE_WORKSPACE` floats.
pub fn conv_infer(
    model: &ConvAeDigits,
    x: &[f32; PIXELS],
    workspace: &mut [f32],
    code: &mut [f32; CONV_CODE],
    reconstruction: &mut [f32; PIXELS],
) -> Result<(), Error> {
    model.encode(x, code, 1, workspace)?;
    model.decode(code, reconstruction, 1, workspace)
}

/// Everything the device reports for one test digit: [`conv_infer`], the squared error and
/// the loss (batch 1; the generator is seeded with [`ELBO_SEED`] but an autoencoder without
/// input noise draws nothing). `workspace` holds `<ConvAeDigits as Model>::WORKSPACE` floats.
pub fn conv_figures(
    model: &ConvAeDigits,
    x: &[f32; PIXELS],
    workspace: &mut [f32],
) -> Result<ConvFigures, Error> {
    let mut figures = ConvFigures {
        code: [0.0; CONV_CODE],
        reconstruction: [0.0; PIXELS],
        squared_error: 0.0,
        loss: 0.0,
    };
    conv_infer(
        model,
        x,
        workspace,
        &mut figures.code,
        &mut figures.reconstruction,
    )?;
    figures.squared_error = workload::squared_error(&figures.reconstruction, x);
    let mut rng = seeded_rng(ELBO_SEED);
    let config = ConvAeDigits::config();
    figures.loss = model.loss(&config, x, 1, &mut rng, workspace)?.total;
    Ok(figures)
}
