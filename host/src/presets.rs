//! Named, fixed-size architectures: each a type alias, a [`PresetId`] and a row of
//! [`PRESETS`].
//!
//! Adding a preset to the tool takes three edits in this file, and the compiler checks the
//! last two: a type alias for the model (any sizes of a core family: `MlpVae<X, H, Z>`,
//! `ShallowAutoencoder<X, H>`, `TiedAutoencoder<X, H>`, `StackedAutoencoder<X, H1, H2, Z>`), a
//! variant of [`PresetId`] with its arm in [`with_preset`] (the `match` has no catch-all, so a
//! variant without its model type does not compile), and a row of [`PRESETS`] with its name,
//! description, data and settings (a test checks that every variant has exactly one row).
//! A VAE preset has a second alias, the same networks with a [`LearnedVariance`], which
//! [`with_preset_config`] picks for a run whose likelihood learns the decoder's variance.

use tinyvae_core::autoencoder::ShallowAutoencoder;
use tinyvae_core::noise::Noise;
use tinyvae_core::stacked::StackedAutoencoder;
use tinyvae_core::tied::TiedAutoencoder;
use tinyvae_core::vae::{LearnedVariance, MlpVae, Vae};
use tinyvae_core::{Chain, Dense, Tanh};

use crate::train::config::TrainConfig;
use crate::train::model::TrainableModel;

/// 784-400-20, ReLU, Bernoulli decoder: the PyTorch examples' VAE.
pub type VaeMnist = MlpVae<784, 400, 20>;
/// [`VaeMnist`] with a learned decoder variance.
pub type VaeMnistLearnedVariance = MlpVae<784, 400, 20, LearnedVariance<784>>;
/// 784-400-2: the latent plane and its manifold of digits.
pub type VaeMnist2d = MlpVae<784, 400, 2>;
/// [`VaeMnist2d`] with a learned decoder variance.
pub type VaeMnist2dLearnedVariance = MlpVae<784, 400, 2, LearnedVariance<784>>;
/// The encoder body of [`VaeMnistIwae`].
type IwaeEncoder = Chain<Dense<784, 200, Tanh>, Dense<200, 200, Tanh>>;
/// The decoder of [`VaeMnistIwae`].
type IwaeDecoder = Chain<Dense<50, 200, Tanh>, Chain<Dense<200, 200, Tanh>, Dense<200, 784>>>;
/// 784-200-200-50 with tanh, two deterministic layers on each side: the VAE of Burda et al.
/// (2015), "Importance Weighted Autoencoders", Table 1.
pub type VaeMnistIwae = Vae<IwaeEncoder, 200, 50, IwaeDecoder>;
/// [`VaeMnistIwae`] with a learned decoder variance.
pub type VaeMnistIwaeLearnedVariance = Vae<IwaeEncoder, 200, 50, IwaeDecoder, LearnedVariance<784>>;
/// 784-256 sigmoid autoencoder, cross-entropy.
pub type AeMnist = ShallowAutoencoder<784, 256>;
/// 784-256 with W* = Wᵀ.
pub type TiedAeMnist = TiedAutoencoder<784, 256>;
/// 784-500-250-30, greedy layer-wise then fine-tuned.
pub type SdaeMnist = StackedAutoencoder<784, 500, 250, 30>;
pub use tinyvae_core::presets::{AeDigits, VaeDigits};
/// [`VaeDigits`] with a learned decoder variance (64 more parameters).
pub type VaeDigitsLearnedVariance = MlpVae<64, 32, 2, LearnedVariance<64>>;

/// The data a preset trains on by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShippedData {
    /// MNIST, 28×28.
    Mnist,
    /// The UCI 8×8 digits.
    Digits,
}

/// Every preset, one variant each; [`with_preset`] maps each to its model type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresetId {
    /// [`VaeMnist`].
    VaeMnist,
    /// [`VaeMnist2d`].
    VaeMnist2d,
    /// [`VaeMnistIwae`].
    VaeMnistIwae,
    /// [`AeMnist`].
    AeMnist,
    /// [`TiedAeMnist`].
    TiedAeMnist,
    /// [`AeMnist`] with masking noise.
    DaeMnist,
    /// [`AeMnist`] with Gaussian noise.
    DaeMnistGaussian,
    /// [`SdaeMnist`].
    SdaeMnist,
    /// [`VaeDigits`].
    VaeDigits,
    /// [`AeDigits`].
    AeDigits,
}

/// A named preset: its data and the settings it starts from.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// Which preset it is.
    pub id: PresetId,
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
        loss: tinyvae_core::autoencoder::ReconstructionLoss::CrossEntropy,
        likelihood: tinyvae_core::vae::Likelihood::Bernoulli,
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
        id: PresetId::VaeMnist,
        name: "vae-mnist",
        description: "VAE 784-400-20, Bernoulli decoder (PyTorch examples)",
        data: ShippedData::Mnist,
        config: config(10, 128, Noise::None),
    },
    Preset {
        id: PresetId::VaeMnist2d,
        name: "vae-mnist-2d",
        description: "VAE 784-400-2: latent plane and manifold",
        data: ShippedData::Mnist,
        config: config(10, 128, Noise::None),
    },
    Preset {
        id: PresetId::VaeMnistIwae,
        name: "vae-mnist-iwae",
        description: "VAE 784-200-200-50 tanh, dynamically binarized (Burda et al. 2015)",
        data: ShippedData::Mnist,
        config: TrainConfig {
            batch_size: 20,
            dynamic_binarization: true,
            ..config(100, 20, Noise::None)
        },
    },
    Preset {
        id: PresetId::AeMnist,
        name: "ae-mnist",
        description: "autoencoder 784-256, sigmoid, cross-entropy",
        data: ShippedData::Mnist,
        config: config(10, 128, Noise::None),
    },
    Preset {
        id: PresetId::TiedAeMnist,
        name: "tied-ae-mnist",
        description: "tied-weight autoencoder 784-256 (W* = Wᵀ)",
        data: ShippedData::Mnist,
        config: config(10, 128, Noise::None),
    },
    Preset {
        id: PresetId::DaeMnist,
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
        id: PresetId::DaeMnistGaussian,
        name: "dae-mnist-gaussian",
        description: "denoising autoencoder 784-256, Gaussian noise σ = 0.3",
        data: ShippedData::Mnist,
        config: config(10, 128, Noise::Gaussian { std_dev: 0.3 }),
    },
    Preset {
        id: PresetId::SdaeMnist,
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
        id: PresetId::VaeDigits,
        name: "vae-digits",
        description: "VAE 64-32-2 on the 8×8 digits (microcontroller size)",
        data: ShippedData::Digits,
        config: config(200, 32, Noise::None),
    },
    Preset {
        id: PresetId::AeDigits,
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

/// Runs `visitor` with the model type of `preset` under its own settings.
pub fn with_preset<V: PresetVisitor>(preset: &'static Preset, visitor: V) -> V::Output {
    with_preset_config(preset, &preset.config, visitor)
}

/// Runs `visitor` with the model type a run of `preset` under `config` trains: the preset's
/// own, or, for a VAE whose likelihood learns the decoder's variance, the same networks with a
/// [`LearnedVariance`] (the `…LearnedVariance` aliases). Checkpoints are opened the same way,
/// with the settings they hold.
pub fn with_preset_config<V: PresetVisitor>(
    preset: &'static Preset,
    config: &TrainConfig,
    visitor: V,
) -> V::Output {
    let learned = config.likelihood.learns_variance();
    match preset.id {
        PresetId::VaeMnist => vae::<VaeMnist, VaeMnistLearnedVariance, V>(preset, learned, visitor),
        PresetId::VaeMnist2d => {
            vae::<VaeMnist2d, VaeMnist2dLearnedVariance, V>(preset, learned, visitor)
        }
        PresetId::VaeMnistIwae => {
            vae::<VaeMnistIwae, VaeMnistIwaeLearnedVariance, V>(preset, learned, visitor)
        }
        PresetId::AeMnist | PresetId::DaeMnist | PresetId::DaeMnistGaussian => {
            visitor.visit::<AeMnist>(preset)
        }
        PresetId::TiedAeMnist => visitor.visit::<TiedAeMnist>(preset),
        PresetId::SdaeMnist => visitor.visit::<SdaeMnist>(preset),
        PresetId::VaeDigits => {
            vae::<VaeDigits, VaeDigitsLearnedVariance, V>(preset, learned, visitor)
        }
        PresetId::AeDigits => visitor.visit::<AeDigits>(preset),
    }
}

/// A VAE preset's model type, `Learned` when the run learns the decoder's variance.
fn vae<Fixed: TrainableModel, Learned: TrainableModel, V: PresetVisitor>(
    preset: &'static Preset,
    learned: bool,
    visitor: V,
) -> V::Output {
    if learned {
        visitor.visit::<Learned>(preset)
    } else {
        visitor.visit::<Fixed>(preset)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every variant, listed by a match without a catch-all so that a new one must be added.
    fn all_ids() -> Vec<PresetId> {
        let ids = [
            PresetId::VaeMnist,
            PresetId::VaeMnist2d,
            PresetId::VaeMnistIwae,
            PresetId::AeMnist,
            PresetId::TiedAeMnist,
            PresetId::DaeMnist,
            PresetId::DaeMnistGaussian,
            PresetId::SdaeMnist,
            PresetId::VaeDigits,
            PresetId::AeDigits,
        ];
        for id in ids {
            match id {
                PresetId::VaeMnist
                | PresetId::VaeMnist2d
                | PresetId::VaeMnistIwae
                | PresetId::AeMnist
                | PresetId::TiedAeMnist
                | PresetId::DaeMnist
                | PresetId::DaeMnistGaussian
                | PresetId::SdaeMnist
                | PresetId::VaeDigits
                | PresetId::AeDigits => {}
            }
        }
        ids.to_vec()
    }

    #[test]
    fn every_preset_has_exactly_one_row_and_a_unique_name() {
        for id in all_ids() {
            assert_eq!(PRESETS.iter().filter(|p| p.id == id).count(), 1, "{id:?}");
        }
        assert_eq!(PRESETS.len(), all_ids().len());
        for preset in PRESETS {
            assert_eq!(find_preset(preset.name).unwrap().id, preset.id);
            preset.config.validate().unwrap();
        }
    }

    /// A run that learns the decoder variance trains the preset's networks plus one log σ² per
    /// input; every other run, and every autoencoder, trains the preset's own type.
    #[test]
    fn a_learned_variance_picks_the_twin_type() {
        use tinyvae_core::vae::{GaussianVariance, Likelihood};
        struct Shape;
        impl PresetVisitor for Shape {
            type Output = (usize, usize);
            fn visit<M: TrainableModel>(self, _: &'static Preset) -> (usize, usize) {
                (M::SCALARS, M::INPUTS)
            }
        }
        let learned = TrainConfig {
            likelihood: Likelihood::LinearGaussian {
                variance: GaussianVariance::Learned,
            },
            ..TrainConfig::default()
        };
        let fixed = TrainConfig {
            likelihood: Likelihood::LinearGaussian {
                variance: GaussianVariance::Fixed(1.0),
            },
            ..TrainConfig::default()
        };
        for preset in PRESETS {
            let (own, inputs) = with_preset(preset, Shape);
            assert_eq!(with_preset_config(preset, &fixed, Shape), (own, inputs));
            let (twin, _) = with_preset_config(preset, &learned, Shape);
            let variational = matches!(
                preset.id,
                PresetId::VaeMnist
                    | PresetId::VaeMnist2d
                    | PresetId::VaeMnistIwae
                    | PresetId::VaeDigits
            );
            let extra = if variational { inputs } else { 0 };
            assert_eq!(twin, own + extra, "{}", preset.name);
        }
    }

    #[test]
    fn unknown_names_list_the_presets() {
        let message = find_preset("vae-mnsit").unwrap_err();
        assert!(message.contains("vae-mnist-2d"), "{message}");
    }
}
