//! The device workload, written once and compiled twice: into this library (run on the
//! Cortex-M4 and by the host simulation) and into `build.rs` (run on the host at build time to
//! write the reference figures the device must reproduce, see [`crate::reference`]).
//!
//! It uses nothing but `core` and `tinyvae-core`, and it keeps every computation at batch 1
//! or at a batch of [`FINETUNE_BATCH`] ≤ 5, where the core always takes its dot-product path
//! (never a GEMM), so both compilations run the same arithmetic in the same order.

use bytemuck::Zeroable;
use tinyvae_core::autoencoder::AutoencoderConfig;
use tinyvae_core::optim::{Adam, AdamState, Optimizer, Sgd};
use tinyvae_core::vae::VaeConfig;
use tinyvae_core::{Error, LossParts, Model, Parameters, SeededRng, seeded_rng};

pub use tinyvae_core::presets::{AeDigits, VaeDigits};

/// Pixels of one 8×8 digit.
pub const PIXELS: usize = 64;
/// Latent size of [`VaeDigits`].
pub const VAE_LATENT: usize = 2;
/// Code size of [`AeDigits`].
pub const AE_CODE: usize = 16;
/// The digits' largest pixel value: pixels are divided by it, as the host's loader does.
pub const MAX_PIXEL: f32 = 16.0;
/// Test digits carried by the firmware: the first ones of the test split.
pub const TEST_DIGITS: usize = 16;

/// Seed of the generator that draws ε for the ELBO of the test digits (one generator for all
/// of them, two draws per digit, in order).
pub const ELBO_SEED: u64 = 0x7E57;
/// Seed of the generator of the fine-tuning steps (ε for the VAE).
pub const TRAIN_SEED: u64 = 0x5EED;
/// Seed of the fixed ε of every evaluation during fine-tuning, so evaluations are comparable.
pub const EVAL_SEED: u64 = 0xE7A1;

/// Samples fine-tuned on (the first test digits), one batch.
pub const FINETUNE_BATCH: usize = 4;
/// Optimizer steps of a fine-tuning run.
pub const FINETUNE_STEPS: usize = 24;
/// Steps between two evaluations of the fine-tuning loss.
pub const EVAL_EVERY: usize = 8;
/// Evaluations of a fine-tuning run: before the first step, then every [`EVAL_EVERY`] steps.
pub const EVALUATIONS: usize = FINETUNE_STEPS / EVAL_EVERY + 1;

/// Step size of plain SGD.
pub const SGD_LEARNING_RATE: f32 = 0.01;
/// Step size of Adam (the presets' 1e-3 is slow for 24 steps of fine-tuning).
pub const ADAM_LEARNING_RATE: f32 = 0.003;

/// Multiply-accumulates of one VAE inference, encoder body, both heads and decoder:
/// 64·32 + 2·32·2 + 2·32 + 32·64.
pub const VAE_INFERENCE_MACS: usize = 64 * 32 + 2 * 32 * 2 + 2 * 32 + 32 * 64;
/// Multiply-accumulates of one autoencoder inference: 64·16 + 16·64.
pub const AE_INFERENCE_MACS: usize = 64 * 16 + 16 * 64;
/// Multiply-accumulates of the VAE's first layer alone (64 → 32).
pub const DENSE_64X32_MACS: usize = 64 * 32;

/// A digit's pixels (0 to 16) as the model's input in [0, 1].
pub fn pixels(raw: &[u8; PIXELS]) -> [f32; PIXELS] {
    core::array::from_fn(|i| f32::from(raw[i]) / MAX_PIXEL)
}

/// A digit's raw pixels (0 to 16) as f32, unscaled: what a device reads before the input
/// transform of a blob that carries one.
pub fn raw_pixels(raw: &[u8; PIXELS]) -> [f32; PIXELS] {
    core::array::from_fn(|i| f32::from(raw[i]))
}

/// Σ (x̂ − x)², summed in order.
pub fn squared_error(reconstruction: &[f32], input: &[f32]) -> f32 {
    let mut total = 0.0;
    for (&r, &x) in reconstruction.iter().zip(input) {
        total += (r - x) * (r - x);
    }
    total
}

/// What the VAE computes for one test digit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VaeFigures {
    /// μ(x).
    pub mean: [f32; VAE_LATENT],
    /// log σ²(x) as the head outputs it.
    pub log_variance: [f32; VAE_LATENT],
    /// x̂ = σ(D(μ(x))).
    pub reconstruction: [f32; PIXELS],
    /// Σ (x̂ − x)².
    pub squared_error: f32,
    /// −ELBO (total, reconstruction, KL) with one ε from the [`ELBO_SEED`] generator.
    pub negative_elbo: LossParts,
}

impl VaeFigures {
    /// Values in [`VaeFigures::values`].
    pub const VALUES: usize = 2 * VAE_LATENT + PIXELS + 4;

    /// All zeros.
    pub const ZERO: Self = Self {
        mean: [0.0; VAE_LATENT],
        log_variance: [0.0; VAE_LATENT],
        reconstruction: [0.0; PIXELS],
        squared_error: 0.0,
        negative_elbo: LossParts {
            total: 0.0,
            reconstruction: 0.0,
            kl: 0.0,
        },
    };

    /// Every value, in a fixed order: μ, log σ², x̂, Σ(x̂ − x)², −ELBO, its reconstruction
    /// term, its KL term.
    pub fn values(&self) -> impl Iterator<Item = f32> + '_ {
        let elbo = &self.negative_elbo;
        self.mean
            .iter()
            .chain(&self.log_variance)
            .chain(&self.reconstruction)
            .copied()
            .chain([self.squared_error, elbo.total, elbo.reconstruction, elbo.kl])
    }
}

/// One VAE inference (the [`VAE_INFERENCE_MACS`] the device times): q(z|x) = N(μ, σ²) by
/// `encode_distribution`, then x̂ = decode(μ), into `out`. `workspace` holds
/// `VaeDigits::WORKSPACE_FLOATS` floats.
pub fn vae_infer(
    model: &VaeDigits,
    x: &[f32; PIXELS],
    workspace: &mut [f32],
    out: &mut VaeFigures,
) -> Result<(), Error> {
    model.encode_distribution(x, &mut out.mean, &mut out.log_variance, 1, workspace)?;
    model.decode(&out.mean, &mut out.reconstruction, 1, workspace)
}

/// Everything the device reports for one test digit: [`vae_infer`], the squared error and
/// −ELBO with ε drawn from `rng` (batch 1).
pub fn vae_figures(
    model: &VaeDigits,
    x: &[f32; PIXELS],
    rng: &mut SeededRng,
    workspace: &mut [f32],
) -> Result<VaeFigures, Error> {
    let mut figures = VaeFigures::ZERO;
    vae_infer(model, x, workspace, &mut figures)?;
    figures.squared_error = squared_error(&figures.reconstruction, x);
    figures.negative_elbo = model.loss(&VaeConfig::default(), x, 1, rng, workspace)?;
    Ok(figures)
}

/// What the VAE computes for one test digit given through an input transform.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormalizedFigures {
    /// x' = the transform applied to the raw pixels: the model's input.
    pub input: [f32; PIXELS],
    /// μ(x').
    pub mean: [f32; VAE_LATENT],
    /// log σ²(x') as the head outputs it.
    pub log_variance: [f32; VAE_LATENT],
    /// x̂ = σ(D(μ(x'))).
    pub reconstruction: [f32; PIXELS],
    /// Σ (x̂ − x')².
    pub squared_error: f32,
}

impl NormalizedFigures {
    /// Values in [`NormalizedFigures::values`].
    pub const VALUES: usize = PIXELS + 2 * VAE_LATENT + PIXELS + 1;

    /// Every value, in a fixed order: x', μ, log σ², x̂, Σ(x̂ − x')².
    pub fn values(&self) -> impl Iterator<Item = f32> + '_ {
        self.input
            .iter()
            .chain(&self.mean)
            .chain(&self.log_variance)
            .chain(&self.reconstruction)
            .copied()
            .chain([self.squared_error])
    }
}

/// [`vae_infer`] on an input already normalized by a blob's transform, and Σ(x̂ − x')². No
/// ELBO: a transform such as standardization leaves [0, 1], where the Bernoulli likelihood is
/// not defined.
pub fn vae_normalized_figures(
    model: &VaeDigits,
    input: &[f32; PIXELS],
    workspace: &mut [f32],
) -> Result<NormalizedFigures, Error> {
    let mut out = VaeFigures::ZERO;
    vae_infer(model, input, workspace, &mut out)?;
    Ok(NormalizedFigures {
        input: *input,
        mean: out.mean,
        log_variance: out.log_variance,
        reconstruction: out.reconstruction,
        squared_error: squared_error(&out.reconstruction, input),
    })
}

/// One autoencoder inference (the [`AE_INFERENCE_MACS`]): the code h(x), then σ(D(h)).
/// `workspace` holds `<AeDigits as Model>::WORKSPACE` floats.
pub fn ae_infer(
    model: &AeDigits,
    x: &[f32; PIXELS],
    workspace: &mut [f32],
    code: &mut [f32; AE_CODE],
    reconstruction: &mut [f32; PIXELS],
) -> Result<(), Error> {
    model.encode(x, code, 1, workspace)?;
    model.decode(code, reconstruction, 1, workspace)
}

/// A rule that moves the parameters against their gradients, with its state.
pub trait Update<M> {
    /// What the rule remembers between steps; all zeros before the first.
    type State: Zeroable;
    /// Short name for reports.
    const NAME: &'static str;
    /// Applies one step.
    fn apply(&self, params: &mut M, grads: &M, state: &mut Self::State) -> Result<(), Error>;
}

/// Plain SGD, θ ← θ − η·g: the core's stateless [`Sgd`], with no velocity to hold.
impl<M: Parameters> Update<M> for Sgd {
    type State = ();
    const NAME: &'static str = "sgd";

    fn apply(&self, params: &mut M, grads: &M, state: &mut ()) -> Result<(), Error> {
        Optimizer::step(self, params, grads, state)
    }
}

impl<M: Parameters + Zeroable> Update<M> for Adam {
    type State = AdamState<M>;
    const NAME: &'static str = "adam";

    fn apply(&self, params: &mut M, grads: &M, state: &mut AdamState<M>) -> Result<(), Error> {
        Optimizer::step(self, params, grads, state)
    }
}

/// The update of a plain-SGD fine-tuning run.
pub const SGD: Sgd = Sgd {
    learning_rate: SGD_LEARNING_RATE,
};
/// The update of an Adam fine-tuning run.
pub const ADAM: Adam = Adam::with_learning_rate(ADAM_LEARNING_RATE);

/// The models the device fine-tunes, with the configuration each is trained with.
pub trait Trainable: Model {
    /// The preset's name.
    const PRESET: &'static str;
    /// The loss configuration used on the device.
    fn config() -> Self::Config;
}

impl Trainable for VaeDigits {
    const PRESET: &'static str = "vae-digits";
    /// Bernoulli decoder, β = 1: the ELBO proper.
    fn config() -> VaeConfig {
        VaeConfig::default()
    }
}

impl Trainable for AeDigits {
    const PRESET: &'static str = "ae-digits";
    /// Cross-entropy, no input noise (the preset's settings).
    fn config() -> AutoencoderConfig {
        AutoencoderConfig::default()
    }
}

/// The RAM a fine-tuning run works in, borrowed from its caller: the copy of the weights,
/// the gradients, the optimizer's state and the workspace.
pub struct Training<'a, M: Trainable, U: Update<M>> {
    /// The weights being trained (a RAM copy of the blob's).
    pub params: &'a mut M,
    /// The gradient buffer.
    pub grads: &'a mut M,
    /// The optimizer's state.
    pub state: &'a mut U::State,
    /// At least `M::WORKSPACE`·[`FINETUNE_BATCH`] floats.
    pub workspace: &'a mut [f32],
    /// The update rule.
    pub update: U,
}

/// What a fine-tuning run produced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trajectory {
    /// The loss of the batch with fixed ε before the first step and every [`EVAL_EVERY`]
    /// steps after.
    pub evaluations: [f32; EVALUATIONS],
    /// The loss each step trained on (fresh ε every step).
    pub step_losses: [f32; FINETUNE_STEPS],
    /// [`fingerprint`] of the weights after the last step.
    pub fingerprint: u32,
}

impl<M: Trainable, U: Update<M>> Training<'_, M, U> {
    /// One step on `batch` samples: zero the gradients, the loss and its gradient (with
    /// fresh ε from `rng` for a VAE), the update. Returns the loss trained on.
    pub fn step(&mut self, data: &[f32], batch: usize, rng: &mut SeededRng) -> Result<f32, Error> {
        self.grads.fill(0.0);
        let parts = self.params.loss_and_gradients(
            &M::config(),
            data,
            batch,
            rng,
            self.workspace,
            self.grads,
        )?;
        self.update.apply(self.params, self.grads, self.state)?;
        Ok(parts.total)
    }

    /// The loss of `batch` samples with ε drawn from a fresh [`EVAL_SEED`] generator, so
    /// evaluations at different steps see the same noise.
    pub fn evaluate(&mut self, data: &[f32], batch: usize) -> Result<f32, Error> {
        let mut rng = seeded_rng(EVAL_SEED);
        let parts = self
            .params
            .loss(&M::config(), data, batch, &mut rng, self.workspace)?;
        Ok(parts.total)
    }

    /// [`FINETUNE_STEPS`] steps on `data` (`batch` samples), evaluating every
    /// [`EVAL_EVERY`] steps; the generator is seeded with [`TRAIN_SEED`].
    pub fn run(&mut self, data: &[f32], batch: usize) -> Result<Trajectory, Error> {
        let mut rng = seeded_rng(TRAIN_SEED);
        let mut trajectory = Trajectory {
            evaluations: [0.0; EVALUATIONS],
            step_losses: [0.0; FINETUNE_STEPS],
            fingerprint: 0,
        };
        trajectory.evaluations[0] = self.evaluate(data, batch)?;
        for step in 0..FINETUNE_STEPS {
            trajectory.step_losses[step] = self.step(data, batch, &mut rng)?;
            if (step + 1) % EVAL_EVERY == 0 {
                trajectory.evaluations[(step + 1) / EVAL_EVERY] = self.evaluate(data, batch)?;
            }
        }
        trajectory.fingerprint = fingerprint(self.params);
        Ok(trajectory)
    }
}

/// The fine-tuning batch: the first [`FINETUNE_BATCH`] of `digits`, one column per sample.
pub fn finetune_batch(digits: &[[u8; PIXELS]]) -> [f32; PIXELS * FINETUNE_BATCH] {
    let mut data = [0.0; PIXELS * FINETUNE_BATCH];
    for (column, raw) in data.chunks_exact_mut(PIXELS).zip(digits) {
        column.copy_from_slice(&pixels(raw));
    }
    data
}

/// FNV-1a over the bit patterns of every parameter, in storage order: equal fingerprints
/// mean (up to a 2⁻³² chance) bit-identical weights.
pub fn fingerprint<M: Parameters>(model: &M) -> u32 {
    let mut hash = 0x811c_9dc5u32;
    for index in 0..M::TENSORS {
        for value in model.tensor(index) {
            for byte in value.to_bits().to_le_bytes() {
                hash ^= u32::from(byte);
                hash = hash.wrapping_mul(0x0100_0193);
            }
        }
    }
    hash
}
