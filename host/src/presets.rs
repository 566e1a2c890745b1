//! Named, fixed-size architectures. Adding a preset is one type alias and one table row.

use tinyvae_core::autoencoder::{AutoencoderConfig, ReconstructionLoss, ShallowAutoencoder};
use tinyvae_core::noise::Noise;
use tinyvae_core::stacked::{StackedAutoencoder, StackedConfig, Stage};
use tinyvae_core::tied::TiedAutoencoder;
use tinyvae_core::vae::{Likelihood, MlpVae, VaeConfig};
use tinyvae_core::{Architecture, Error, Model, Network, SeededRng};

use crate::train::config::TrainConfig;
use crate::train::model::{Phase, TrainableModel};

/// 784-400-20, ReLU, Bernoulli decoder: the PyTorch examples' VAE.
pub type VaeMnist = MlpVae<784, 400, 20>;
/// 784-400-2: the latent plane and its manifold of digits.
pub type VaeMnist2d = MlpVae<784, 400, 2>;
/// 784-256 sigmoid autoencoder, cross-entropy.
pub type AeMnist = ShallowAutoencoder<784, 256>;
/// 784-256 with W* = Wᵀ.
pub type TiedAeMnist = TiedAutoencoder<784, 256>;
/// 784-500-250-30, greedy layer-wise then fine-tuned.
pub type SdaeMnist = StackedAutoencoder<784, 500, 250, 30>;
pub use tinyvae_core::presets::{AeDigits, VaeDigits};

/// The data a preset trains on by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShippedData {
    /// MNIST, 28×28.
    Mnist,
    /// The UCI 8×8 digits.
    Digits,
}

/// A named preset: its data and the settings it starts from.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// The name used on the command line.
    pub name: &'static str,
    /// One line about it.
    pub description: &'static str,
    /// Its default data.
    pub data: ShippedData,
    /// Its default settings.
    pub config: TrainConfig,
}

const fn config(epochs: usize, batch_size: usize, noise: Noise) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size,
        optimizer: crate::train::config::OptimizerChoice::Adam,
        learning_rate: 1e-3,
        beta: 1.0,
        kl_warmup_steps: 0,
        noise,
        seed: 1,
        dynamic_binarization: false,
        clip_norm: None,
        train_limit: None,
        pretrain_epochs: 1,
    }
}

/// Every preset.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "vae-mnist",
        description: "VAE 784-400-20, Bernoulli decoder (PyTorch examples)",
        data: ShippedData::Mnist,
        config: config(10, 128, Noise::None),
    },
    Preset {
        name: "vae-mnist-2d",
        description: "VAE 784-400-2: latent plane and manifold",
        data: ShippedData::Mnist,
        config: config(10, 128, Noise::None),
    },
    Preset {
        name: "ae-mnist",
        description: "autoencoder 784-256, sigmoid, cross-entropy",
        data: ShippedData::Mnist,
        config: config(10, 128, Noise::None),
    },
    Preset {
        name: "tied-ae-mnist",
        description: "tied-weight autoencoder 784-256 (W* = Wᵀ)",
        data: ShippedData::Mnist,
        config: config(10, 128, Noise::None),
    },
    Preset {
        name: "dae-mnist",
        description: "denoising autoencoder 784-256, masking noise (keep 75 %)",
        data: ShippedData::Mnist,
        config: config(
            10,
            128,
            Noise::Masking {
                keep_probability: 0.75,
            },
        ),
    },
    Preset {
        name: "dae-mnist-gaussian",
        description: "denoising autoencoder 784-256, Gaussian noise σ = 0.3",
        data: ShippedData::Mnist,
        config: config(10, 128, Noise::Gaussian { std_dev: 0.3 }),
    },
    Preset {
        name: "sdae-mnist",
        description: "stacked denoising autoencoder 784-500-250-30",
        data: ShippedData::Mnist,
        config: config(
            10,
            128,
            Noise::Masking {
                keep_probability: 0.75,
            },
        ),
    },
    Preset {
        name: "vae-digits",
        description: "VAE 64-32-2 on the 8×8 digits (microcontroller size)",
        data: ShippedData::Digits,
        config: config(200, 32, Noise::None),
    },
    Preset {
        name: "ae-digits",
        description: "autoencoder 64-16 on the 8×8 digits (microcontroller size)",
        data: ShippedData::Digits,
        config: config(200, 32, Noise::None),
    },
];

/// The preset called `name`, or an error listing the names.
pub fn find_preset(name: &str) -> Result<&'static Preset, String> {
    PRESETS.iter().find(|p| p.name == name).ok_or_else(|| {
        let names: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
        format!(
            "unknown preset '{name}'; the presets are: {}",
            names.join(", ")
        )
    })
}

/// Code generic over the model type, run for a preset chosen at run time.
pub trait PresetVisitor {
    /// What the visit returns.
    type Output;
    /// Runs with `M`, the preset's model type.
    fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output;
}

/// Runs `visitor` with the model type of `preset`.
pub fn with_preset<V: PresetVisitor>(preset: &'static Preset, visitor: V) -> V::Output {
    match preset.name {
        "vae-mnist" => visitor.visit::<VaeMnist>(preset),
        "vae-mnist-2d" => visitor.visit::<VaeMnist2d>(preset),
        "ae-mnist" | "dae-mnist" | "dae-mnist-gaussian" => visitor.visit::<AeMnist>(preset),
        "tied-ae-mnist" => visitor.visit::<TiedAeMnist>(preset),
        "sdae-mnist" => visitor.visit::<SdaeMnist>(preset),
        "vae-digits" => visitor.visit::<VaeDigits>(preset),
        _ => visitor.visit::<AeDigits>(preset),
    }
}

/// `784-400(relu)-20 …`: the layers of a model as its weight header records them.
pub fn architecture_of<M: Model>() -> String {
    let mut architecture = Architecture::new();
    if M::describe(&mut architecture).is_err() {
        return "?".to_string();
    }
    architecture
        .iter()
        .map(|layer| {
            let activation = match layer.activation {
                0 => String::new(),
                1 => "(relu)".into(),
                2 => "(leaky)".into(),
                3 => "(σ)".into(),
                4 => "(tanh)".into(),
                other => format!("({other})"),
            };
            format!("{}→{}{activation}", layer.inputs, layer.outputs)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn autoencoder_config(train: &TrainConfig) -> AutoencoderConfig {
    AutoencoderConfig {
        loss: ReconstructionLoss::CrossEntropy,
        noise: train.noise,
    }
}

impl<E, const H: usize, const Z: usize, D> TrainableModel for tinyvae_core::vae::Vae<E, H, Z, D>
where
    E: Network + Send + Sync + 'static,
    D: Network + Send + Sync + 'static,
{
    const IS_VARIATIONAL: bool = true;

    fn model_config(_: &TrainConfig, beta: f32, _: Phase) -> VaeConfig {
        VaeConfig {
            likelihood: Likelihood::Bernoulli,
            beta,
        }
    }

    fn sample_prior(
        &self,
        rng: &mut SeededRng,
        output: &mut [f32],
        count: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        tinyvae_core::vae::Vae::sample_prior(self, rng, output, count, workspace)
    }

    fn importance_weighted_log_likelihood(
        &self,
        config: &VaeConfig,
        input: &[f32],
        samples: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
    ) -> Result<f32, Error> {
        tinyvae_core::vae::Vae::importance_weighted_log_likelihood(
            self, config, input, samples, rng, workspace,
        )
    }

    fn importance_workspace_len(samples: usize) -> usize {
        // Decode up to 500 draws at a time: batched GEMMs, bounded memory.
        Self::importance_workspace(samples.clamp(1, 500))
    }
}

impl<E, D> TrainableModel for tinyvae_core::autoencoder::Autoencoder<E, D>
where
    E: Network + Send + Sync + 'static,
    D: Network + Send + Sync + 'static,
{
    fn model_config(train: &TrainConfig, _: f32, _: Phase) -> AutoencoderConfig {
        autoencoder_config(train)
    }
}

impl<const X: usize, const H: usize, A: tinyvae_core::Activation + Send + Sync> TrainableModel
    for TiedAutoencoder<X, H, A>
{
    fn model_config(train: &TrainConfig, _: f32, _: Phase) -> AutoencoderConfig {
        autoencoder_config(train)
    }
}

impl<const X: usize, const H1: usize, const H2: usize, const Z: usize> TrainableModel
    for StackedAutoencoder<X, H1, H2, Z>
{
    const PRETRAIN_STAGES: usize = tinyvae_core::stacked::STAGES;

    fn model_config(train: &TrainConfig, _: f32, phase: Phase) -> StackedConfig {
        StackedConfig {
            stage: match phase {
                Phase::Pretrain(layer) => Stage::Pretrain(layer),
                Phase::Train => Stage::FineTune,
            },
            loss: ReconstructionLoss::CrossEntropy,
            noise: train.noise,
        }
    }
}
