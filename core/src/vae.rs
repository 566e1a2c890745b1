//! The variational autoencoder (Kingma & Welling 2014).
//!
//! An encoder body h = E(x) feeds two linear heads, the mean μ(x) = W_μ h + b_μ and the
//! log-variance log σ²(x) = W_v h + b_v of a diagonal Gaussian q(z|x) = N(μ(x), diag σ²(x)).
//! A decoder maps a latent code z to the outputs ℓ = D(z) that parameterize p(x|z): the logits
//! of a Bernoulli, or the mean of a Gaussian whose variance is fixed or learned (see
//! [`Likelihood`] and [`DecoderVariance`]); the prior is p(z) = N(0, I). Training minimizes
//! the negative evidence lower bound
//!
//! −ELBO(x) = E_q[−log p(x|z)] + β·KL(q(z|x) ‖ p(z)),
//!
//! with the expectation estimated from one draw z = μ + σ ⊙ ε, ε ~ N(0, I) (the
//! reparameterization trick) and the KL term in closed form. β = 1 is the ELBO proper; other β
//! give the β-VAE (Higgins et al. 2017), and [`kl_warmup_beta`] ramps β up from 0.
//!
//! Besides the [`Model`] interface the VAE offers sampling from the prior
//! ([`Vae::sample_prior`]), latent interpolation ([`Vae::interpolate`]) and the
//! importance-weighted estimate of log p(x) ([`Vae::importance_weighted_log_likelihood`]).
//!
//! ## Memory
//! The weights are [`crate::Footprint::WEIGHT_BYTES`] = 4·[`crate::Parameters::SCALARS`] bytes
//! inline in the value, a gradient as much again, and every method takes a caller-owned
//! workspace of [`Vae::WORKSPACE_FLOATS`] floats per sample of the batch
//! ([`Model::WORKSPACE`]), except the inference methods, which need only
//! [`Vae::INFERENCE_WORKSPACE_FLOATS`] ([`Model::INFERENCE_WORKSPACE`]).
//!
//! ```
//! use tinyvae_core::vae::{MlpVae, VaeConfig};
//! use tinyvae_core::{Model, Parameters, seeded_rng};
//!
//! type Micro = MlpVae<64, 32, 2>; // 17 680 bytes of weights, 1 072 of workspace per sample
//! let mut rng = seeded_rng(7);
//! let mut model: Micro = bytemuck::Zeroable::zeroed();
//! model.initialize(&mut rng);
//! let mut grads: Micro = bytemuck::Zeroable::zeroed();
//! let (config, batch) = (VaeConfig::default(), 4);
//! let data = [0.5f32; 64 * 4];
//! let mut workspace = [0.0f32; Micro::WORKSPACE_FLOATS * 4];
//! let parts = model.loss_and_gradients(&config, &data, batch, &mut rng, &mut workspace, &mut grads)?;
//! assert!(parts.total > parts.reconstruction); // + β·KL
//! // log p(x) of the first sample from K = 500 draws, decoded ten at a time in this workspace.
//! let log_px = model.importance_weighted_log_likelihood(&config, &data[..64], 500, &mut rng, &mut workspace)?;
//! assert!(log_px > -parts.total - 1.0);
//! # Ok::<(), tinyvae_core::Error>(())
//! ```

mod decoder_variance;
mod elbo;
mod gaussian;
mod generate;
mod importance;
#[cfg(test)]
mod tests;

use bytemuck::AnyBitPattern;

pub use decoder_variance::{DecoderVariance, LearnedVariance, NoLearnedVariance};
pub use gaussian::{
    LOG_VARIANCE_MAX, LOG_VARIANCE_MIN, clamp_log_variance, kl_to_standard_normal,
    kl_to_standard_normal_gradient, log_diagonal_normal_density, log_standard_normal_density,
    reparameterize, reparameterize_gradient,
};

use crate::batch::{check_input, check_workspace, split_buffer};
use crate::model::{LossParts, Model, ModelKind};
use crate::network::{Architecture, max};
use crate::rng::fill_standard_normal;
use crate::{Chain, DecoderOutput, Dense, Error, Network, Relu, SeededRng, composite_parameters};

/// The decoder's observation model p(x|z), given the decoder's outputs ℓ = D(z).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Likelihood {
    /// p(x|z) = Πᵢ Bern(xᵢ; σ(ℓᵢ)), for data in [0, 1]:
    /// −log p(x|z) = Σᵢ max(ℓᵢ, 0) − ℓᵢxᵢ + ln(1 + e^(−|ℓᵢ|)) (binary cross-entropy from logits).
    #[default]
    Bernoulli,
    /// p(x|z) = N(x; σ(ℓ), variance·I) with a fixed variance, the mean squashed into [0, 1]:
    /// −log p(x|z) = Σᵢ (xᵢ − σ(ℓᵢ))²/(2·variance) + ½ ln(2π·variance).
    Gaussian {
        /// The fixed observation variance, > 0.
        variance: f32,
    },
    /// p(x|z) = Πᵢ N(xᵢ; μᵢ, σᵢ²) with the mean unsquashed, μ = ℓ, for real-valued data
    /// (standardized features, readings of any range):
    ///
    /// −log p(x|z) = Σᵢ (xᵢ − μᵢ)²/(2σᵢ²) + ½ ln(2πσᵢ²),
    ///
    /// with σᵢ² one fixed value or learned per feature by the model's [`LearnedVariance`].
    LinearGaussian {
        /// Fixed, or learned by the model.
        variance: GaussianVariance,
    },
}

/// The variance σᵢ² of a [`Likelihood::LinearGaussian`] decoder.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GaussianVariance {
    /// One value for every feature, > 0.
    Fixed(f32),
    /// σᵢ² = exp(L·tanh(rᵢ/L)) from the raw parameters r of the model's [`LearnedVariance`]
    /// (see [`crate::loss::bounded_log_variance`]); the model must have one.
    Learned,
}

impl Likelihood {
    /// How the likelihood reads the decoder's outputs: σ(ℓ) for the Bernoulli and the
    /// squashed Gaussian, ℓ itself for [`Likelihood::LinearGaussian`].
    pub fn output(&self) -> DecoderOutput {
        match self {
            Self::Bernoulli | Self::Gaussian { .. } => DecoderOutput::Sigmoid,
            Self::LinearGaussian { .. } => DecoderOutput::Linear,
        }
    }

    /// Whether the data must lie in [0, 1]: a Bernoulli is a distribution over [0, 1], and a
    /// squashed mean cannot leave it.
    pub fn needs_unit_interval(&self) -> bool {
        self.output().is_unit_interval()
    }

    /// Whether the decoder's variance is a parameter of the model.
    pub fn learns_variance(&self) -> bool {
        matches!(
            self,
            Self::LinearGaussian {
                variance: GaussianVariance::Learned
            }
        )
    }
}

/// Hyperparameters of a [`Vae`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VaeConfig {
    /// The decoder's observation model.
    pub likelihood: Likelihood,
    /// Weight β ≥ 0 of the KL term: loss = reconstruction + β·KL.
    pub beta: f32,
}

impl Default for VaeConfig {
    /// A Bernoulli decoder and β = 1: the plain VAE.
    fn default() -> Self {
        Self {
            likelihood: Likelihood::Bernoulli,
            beta: 1.0,
        }
    }
}

impl VaeConfig {
    /// Checks that β is finite and ≥ 0 and that a fixed Gaussian variance is finite and > 0.
    pub fn validate(&self) -> Result<(), Error> {
        if !(self.beta >= 0.0 && self.beta.is_finite()) {
            return Err(Error::InvalidConfig("VAE beta must be finite and >= 0"));
        }
        if let Likelihood::Gaussian { variance }
        | Likelihood::LinearGaussian {
            variance: GaussianVariance::Fixed(variance),
        } = self.likelihood
            && !(variance > 0.0 && variance.is_finite())
        {
            return Err(Error::InvalidConfig(
                "Gaussian decoder variance must be finite and > 0",
            ));
        }
        Ok(())
    }
}

/// KL warm-up (Bowman et al. 2016; Sønderby et al. 2016): β rises linearly from 0 at step 0 to
/// `target_beta` at `warmup_steps` and stays there: β(t) = target·min(t / warm-up, 1), and
/// β = target when `warmup_steps` is 0.
pub fn kl_warmup_beta(target_beta: f32, step: u64, warmup_steps: u64) -> f32 {
    if warmup_steps == 0 || step >= warmup_steps {
        return target_beta;
    }
    target_beta * (step as f64 / warmup_steps as f64) as f32
}

/// A VAE with encoder body `E` (X → H), Gaussian heads μ and log σ² (H → Z), decoder `D`
/// (Z → X outputs ℓ) and what it holds of the decoder's variance, `V`.
///
/// The shapes must agree (E::OUTPUTS = H, D::INPUTS = Z, D::OUTPUTS = E::INPUTS, and a learned
/// variance covers the X features); a mismatch fails to compile on first use. Give `D` an
/// identity last layer: its outputs are logits or means. Parameters are stored in field order:
/// encoder, mean head, log-variance head, decoder, then the learned decoder variance, which
/// the default `V` = [`NoLearnedVariance`] leaves out (zero bytes, no tensor).
#[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
#[repr(C)]
pub struct Vae<E, const H: usize, const Z: usize, D, V = NoLearnedVariance> {
    /// The encoder body h = E(x).
    pub encoder: E,
    /// μ(x) = W_μ h + b_μ.
    pub mean_head: Dense<H, Z>,
    /// log σ²(x) = W_v h + b_v.
    pub log_variance_head: Dense<H, Z>,
    /// The decoder ℓ = D(z), producing the logits or the mean of p(x|z).
    pub decoder: D,
    /// The decoder's learned log σ² per feature ([`LearnedVariance`]), or nothing.
    pub decoder_variance: V,
}

composite_parameters!(impl[E: Network, const H: usize, const Z: usize, D: Network, V: DecoderVariance]
for Vae<E, H, Z, D, V> {
    encoder: E,
    mean_head: Dense<H, Z>,
    log_variance_head: Dense<H, Z>,
    decoder: D,
    decoder_variance: V,
});

/// The one-hidden-layer VAE of the paper: X → H (ReLU) → (μ, log σ²) ∈ ℝᶻ, then Z → H (ReLU) → X
/// outputs. `MlpVae<784, 400, 20>` is the PyTorch examples' MNIST VAE (652 824 parameters),
/// `MlpVae<64, 32, 2>` a microcontroller-sized one (4 420 parameters), and
/// `MlpVae<64, 32, 2, LearnedVariance<64>>` the same with a learned decoder variance (64 more).
pub type MlpVae<const X: usize, const H: usize, const Z: usize, V = NoLearnedVariance> =
    Vae<Dense<X, H, Relu>, H, Z, Chain<Dense<Z, H, Relu>, Dense<H, X>>, V>;

impl<E: Network, const H: usize, const Z: usize, D: Network, V: DecoderVariance>
    Vae<E, H, Z, D, V>
{
    /// Evaluated (and so checked at compile time) by every use of the model.
    const SHAPES_AGREE: () = assert!(
        E::OUTPUTS == H
            && D::INPUTS == Z
            && D::OUTPUTS == E::INPUTS
            && Z > 0
            && E::INPUTS > 0
            && (V::FEATURES == 0 || V::FEATURES == E::INPUTS),
        "Vae: the encoder must output H features, the decoder take Z > 0 and output the encoder's inputs, a learned variance cover them"
    );

    /// Checks `config` ([`VaeConfig::validate`]) and that it uses the decoder variance the
    /// model has: [`GaussianVariance::Learned`] exactly when `V` learns one.
    pub fn check_config(config: &VaeConfig) -> Result<(), Error> {
        config.validate()?;
        match (config.likelihood.learns_variance(), V::FEATURES > 0) {
            (true, false) => Err(elbo::NO_LEARNED_VARIANCE),
            (false, true) => Err(Error::InvalidConfig(
                "this Vae learns its decoder variance: its likelihood must be LinearGaussian with GaussianVariance::Learned",
            )),
            _ => Ok(()),
        }
    }

    /// Floats per sample that [`Vae::loss_and_gradients_with_epsilon`] needs: the encoder's
    /// activations, μ, log σ², z, the decoder's activations, ∂L/∂ℓ, ∂L/∂z, ∂L/∂log σ², and a
    /// shared tail for the Gaussian means σ(ℓ), the decoder's scratch, or ∂L/∂h with the
    /// encoder's scratch.
    pub const LOSS_WORKSPACE: usize = E::ACTIVATIONS
        + 3 * Z
        + D::ACTIVATIONS
        + E::INPUTS
        + 2 * Z
        + max(E::INPUTS, max(D::SCRATCH, H + E::SCRATCH));
    /// Floats per sample of workspace every method needs ([`Model::WORKSPACE`]): ε, then
    /// [`Self::LOSS_WORKSPACE`]. It covers every other method for the same batch, and one
    /// sample's worth is enough for [`Vae::importance_weighted_log_likelihood`],
    /// [`Vae::sample_prior`] and [`Vae::interpolate`] with any number of samples.
    /// Bytes are in [`crate::Footprint`].
    pub const WORKSPACE_FLOATS: usize = Z + Self::LOSS_WORKSPACE;

    /// Floats per sample decoded by [`Vae::sample_prior`] and [`Vae::interpolate`]: the latent
    /// code and the decoder's activations.
    const DECODE_WORKSPACE: usize = Z + D::ACTIVATIONS;

    /// Floats per sample of workspace the inference methods need ([`Model::INFERENCE_WORKSPACE`]):
    /// the code μ between the two halves of [`Model::reconstruct`], then the larger of the
    /// encoder's activations ([`Model::encode`], [`Vae::encode_distribution`]) and the
    /// decoder's ([`Model::decode`]), Z + max(E::ACTIVATIONS, D::ACTIVATIONS). Bytes are in
    /// [`crate::Footprint`].
    pub const INFERENCE_WORKSPACE_FLOATS: usize = Z + max(E::ACTIVATIONS, D::ACTIVATIONS);
}

impl<E, const H: usize, const Z: usize, D, V> Model for Vae<E, H, Z, D, V>
where
    E: Network,
    D: Network,
    V: DecoderVariance,
{
    type Config = VaeConfig;
    const KIND: ModelKind = ModelKind::Vae;
    const INPUTS: usize = E::INPUTS;
    const LATENT: usize = Z;
    const CONVOLUTIONAL: bool = E::CONVOLUTIONAL || D::CONVOLUTIONAL;
    const WORKSPACE: usize = Self::WORKSPACE_FLOATS;
    const INFERENCE_WORKSPACE: usize = Self::INFERENCE_WORKSPACE_FLOATS;

    /// The encoder's layers, the mean head, the log-variance head, the decoder's layers, then
    /// a learned decoder variance's entry (`0 → X`) if there is one.
    fn describe(architecture: &mut Architecture) -> Result<(), Error> {
        E::describe(architecture)?;
        Dense::<H, Z>::describe(architecture)?;
        Dense::<H, Z>::describe(architecture)?;
        D::describe(architecture)?;
        V::describe(architecture)
    }

    /// −ELBO with one ε ~ N(0, I) per sample drawn from `rng` (Z·batch draws, column by column),
    /// then [`Vae::loss_and_gradients_with_epsilon`] or, without `grads`,
    /// [`Vae::loss_with_epsilon`].
    fn compute_loss(
        &self,
        config: &VaeConfig,
        input: &[f32],
        batch: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
        grads: Option<&mut Self>,
    ) -> Result<LossParts, Error> {
        let (epsilon, rest) = self.draw_epsilon(config, input, batch, rng, workspace)?;
        self.negative_elbo(config, input, epsilon, batch, rest, grads)
    }

    /// The mean μ(x) of q(z|x).
    fn encode(
        &self,
        input: &[f32],
        code: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        check_workspace(workspace, Self::INFERENCE_WORKSPACE_FLOATS, batch)?;
        self.encode_into(input, code, None, batch, workspace)
    }

    /// x̂ = σ(D(z)): Bernoulli probabilities or squashed Gaussian means.
    fn decode(
        &self,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.decode_as(DecoderOutput::Sigmoid, code, output, batch, workspace)
    }

    /// σ(D(μ(x))): the decoded mean code, without sampling.
    fn reconstruct(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.reconstruct_as(DecoderOutput::Sigmoid, input, output, batch, workspace)
    }

    /// The mean of p(x|z) under `config`'s likelihood: σ(D(z)), or D(z) itself for
    /// [`Likelihood::LinearGaussian`].
    fn decode_with(
        &self,
        config: &VaeConfig,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.decode_as(config.likelihood.output(), code, output, batch, workspace)
    }

    /// The mean of p(x|μ(x)) under `config`'s likelihood, without sampling.
    fn reconstruct_with(
        &self,
        config: &VaeConfig,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.reconstruct_as(config.likelihood.output(), input, output, batch, workspace)
    }
}

impl<E: Network, const H: usize, const Z: usize, D: Network, V: DecoderVariance>
    Vae<E, H, Z, D, V>
{
    /// D(z) mapped by `map` into `output`.
    fn decode_as(
        &self,
        map: DecoderOutput,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        check_workspace(workspace, Self::INFERENCE_WORKSPACE_FLOATS, batch)?;
        check_input(code, Z, batch)?;
        self.decode_into(map, code, output, batch, workspace)
    }

    /// D(μ(x)) mapped by `map` into `output`.
    fn reconstruct_as(
        &self,
        map: DecoderOutput,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        check_workspace(workspace, Self::INFERENCE_WORKSPACE_FLOATS, batch)?;
        let (code, rest) = split_buffer(workspace, Z * batch)?;
        self.encode_into(input, code, None, batch, rest)?;
        self.decode_into(map, code, output, batch, rest)
    }

    /// Checks everything a loss needs, then draws ε (Z×batch) into the head of `workspace`;
    /// returns ε and the rest of the workspace. Nothing is drawn when a check fails.
    fn draw_epsilon<'w>(
        &self,
        config: &VaeConfig,
        input: &[f32],
        batch: usize,
        rng: &mut SeededRng,
        workspace: &'w mut [f32],
    ) -> Result<(&'w [f32], &'w mut [f32]), Error> {
        Self::check_config(config)?;
        check_workspace(workspace, Self::WORKSPACE_FLOATS, batch)?;
        check_input(input, E::INPUTS, batch)?;
        gaussian::check_finite(input)?;
        let (epsilon, rest) = split_buffer(workspace, Z * batch)?;
        fill_standard_normal(rng, epsilon);
        Ok((epsilon, rest))
    }
}
