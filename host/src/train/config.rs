//! The settings of a training run.

use tinyvae_core::autoencoder::ReconstructionLoss;
use tinyvae_core::noise::Noise;
use tinyvae_core::vae::{Likelihood, VaeConfig};

/// The optimizer of a run.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerChoice {
    /// Stochastic gradient descent with classical momentum.
    Sgd {
        /// Momentum μ (0 for plain SGD).
        momentum: f32,
    },
    /// Adam with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    Adam,
}

/// How a fresh model draws its weights: a property of a preset (its architecture's reference
/// implementation), recorded by the preset's name in every checkpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Initialization {
    /// PyTorch's: U(−1/√fan_in, 1/√fan_in) for weights and biases
    /// ([`tinyvae_core::Parameters::initialize`]).
    #[default]
    PyTorch,
    /// Keras's: Glorot's uniform for weights, zero biases
    /// ([`tinyvae_core::Parameters::initialize_glorot`]).
    Glorot,
}

impl Initialization {
    /// Draws `model`'s weights from `rng` this way.
    pub fn initialize<M: tinyvae_core::Parameters>(
        self,
        model: &mut M,
        rng: &mut tinyvae_core::SeededRng,
    ) {
        match self {
            Self::PyTorch => model.initialize(rng),
            Self::Glorot => model.initialize_glorot(rng),
        }
    }
}

/// Everything that decides what a run computes. Two runs with equal configs and data produce
/// the same bits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Samples per optimizer step.
    pub batch_size: usize,
    /// The optimizer.
    pub optimizer: OptimizerChoice,
    /// Step size.
    pub learning_rate: f32,
    /// Weight of the KL term at the end of warm-up (variational models).
    pub beta: f32,
    /// Steps over which β rises linearly from 0 (0: no warm-up).
    pub kl_warmup_steps: u64,
    /// Corruption of the inputs (denoising autoencoders).
    pub noise: Noise,
    /// How autoencoders score their reconstruction: cross-entropy, or squared error on σ(ℓ)
    /// or on the linear output (variational models refuse anything but the default).
    pub loss: ReconstructionLoss,
    /// The decoder's observation model of variational models: Bernoulli, or a Gaussian with a
    /// fixed or learned variance (autoencoders refuse anything but the default).
    pub likelihood: Likelihood,
    /// Seed of initialization, shuffling, noise and ε.
    pub seed: u64,
    /// Redraw binary pixels x ~ Bernoulli(intensity) for every batch.
    pub dynamic_binarization: bool,
    /// Clip gradients to this global norm (None: no clipping).
    pub clip_norm: Option<f32>,
    /// Use only this many training samples (None: all), for quick runs.
    pub train_limit: Option<usize>,
    /// Epochs of greedy pretraining per layer for stacked models (fine-tuning uses `epochs`).
    pub pretrain_epochs: usize,
}

impl Default for TrainConfig {
    /// The PyTorch examples' VAE setup: Adam 1e-3, batch 128, β = 1, seed 1.
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 128,
            optimizer: OptimizerChoice::Adam,
            learning_rate: 1e-3,
            beta: 1.0,
            kl_warmup_steps: 0,
            noise: Noise::None,
            loss: ReconstructionLoss::CrossEntropy,
            likelihood: Likelihood::Bernoulli,
            seed: 1,
            dynamic_binarization: false,
            clip_norm: None,
            train_limit: None,
            pretrain_epochs: 1,
        }
    }
}

impl TrainConfig {
    /// Checks ranges a run cannot start with.
    pub fn validate(&self) -> Result<(), String> {
        if self.epochs == 0 {
            return Err("epochs must be at least 1".into());
        }
        if self.batch_size == 0 {
            return Err("batch size must be at least 1".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err("learning rate must be a positive number".into());
        }
        if !(self.beta >= 0.0 && self.beta.is_finite()) {
            return Err("beta must be a non-negative number".into());
        }
        if let OptimizerChoice::Sgd { momentum } = self.optimizer
            && !(0.0..1.0).contains(&momentum)
        {
            return Err("momentum must be in [0, 1)".into());
        }
        if let Some(norm) = self.clip_norm
            && !(norm > 0.0 && norm.is_finite())
        {
            return Err("clip norm must be a positive number".into());
        }
        VaeConfig {
            likelihood: self.likelihood,
            beta: self.beta,
        }
        .validate()
        .map_err(|e| e.to_string())?;
        self.noise.validate().map_err(|e| e.to_string())
    }
}
