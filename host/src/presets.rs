//! Named, fixed-size architectures: each a type alias, a [`PresetId`] and a row of
//! [`PRESETS`].
//!
//! Adding a preset to the tool takes four edits in this file, and the compiler checks two of
//! them: a type alias for the model (any sizes of a core family: `MlpVae<X, H, Z>`,
//! `ShallowAutoencoder<X, H>`, `TiedAutoencoder<X, H>`, `StackedAutoencoder<X, H1, H2, Z>`), a
//! variant of [`PresetId`] listed in [`PresetId::ALL`], its row in [`PresetId::preset`] and its
//! model type in [`with_preset`] (both `match`es have no catch-all, so a variant without its
//! row or its model does not compile; a test checks the listing). A model in a crate of one's
//! own needs none of this: see [`crate::catalog`].
//! A VAE preset has a second alias, the same networks with a [`LearnedVariance`], which
//! [`with_preset_config`] picks for a run whose likelihood learns the decoder's variance.

use tinyvae_core::autoencoder::{Autoencoder, ShallowAutoencoder};
use tinyvae_core::conv::{Conv2d, ConvTranspose2d};
use tinyvae_core::noise::Noise;
use tinyvae_core::stacked::StackedAutoencoder;
use tinyvae_core::tied::TiedAutoencoder;
use tinyvae_core::vae::{LearnedVariance, MlpVae, Vae};
use tinyvae_core::{Chain, Dense, Relu, Tanh};

use crate::data::Normalization;
use crate::train::config::{Initialization, TrainConfig};
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
/// The encoder body of [`ConvVaeMnist`]: 1×28×28 → conv 32 3×3 stride 2 → 32×14×14 → conv 64
/// 3×3 stride 2 → 64×7×7, ReLU each, flattened into a dense layer of 16, ReLU.
type KerasEncoder = Chain<
    Conv2d<1, 28, 28, 32, 3, 2, 1, Relu>,
    Chain<Conv2d<32, 14, 14, 64, 3, 2, 1, Relu>, Dense<3136, 16, Relu>>,
>;
/// The decoder of [`ConvVaeMnist`]: dense 2 → 64·7·7, ReLU, then transposed convolutions 3×3
/// to 64×14×14 and 32×28×28 (stride 2, ReLU) and to 1×28×28 (stride 1): the logits.
type KerasDecoder = Chain<
    Dense<2, 3136, Relu>,
    Chain<
        ConvTranspose2d<64, 7, 7, 64, 3, 2, 1, 1, Relu>,
        Chain<
            ConvTranspose2d<64, 14, 14, 32, 3, 2, 1, 1, Relu>,
            ConvTranspose2d<32, 28, 28, 1, 3, 1, 1, 0>,
        >,
    >,
>;
/// Keras's convolutional VAE example on MNIST (134 165 parameters), latent plane of 2. Keras's
/// "same" padding is PyTorch's padding 1 (and output padding 1 where the stride is 2): the
/// same sizes, 28 → 14 → 7 and back, with the padding split evenly instead of on the bottom
/// and right.
pub type ConvVaeMnist = Vae<KerasEncoder, 16, 2, KerasDecoder>;
/// [`ConvVaeMnist`] with a learned decoder variance.
pub type ConvVaeMnistLearnedVariance = Vae<KerasEncoder, 16, 2, KerasDecoder, LearnedVariance<784>>;
/// 784-256 sigmoid autoencoder, cross-entropy.
pub type AeMnist = ShallowAutoencoder<784, 256>;
/// 784-256 with W* = Wᵀ.
pub type TiedAeMnist = TiedAutoencoder<784, 256>;
/// 784-500-250-30, greedy layer-wise then fine-tuned.
pub type SdaeMnist = StackedAutoencoder<784, 500, 250, 30>;
/// Four ReLU layers of 128 down to a ReLU code of 8, four of 128 up, and a linear output of
/// 640: the dense autoencoder of MLPerf Tiny's anomaly-detection benchmark (Banbury et al.
/// 2021), without its batch normalization.
pub type AdMlperf = Autoencoder<
    Chain<
        Dense<640, 128, Relu>,
        Chain<
            Dense<128, 128, Relu>,
            Chain<Dense<128, 128, Relu>, Chain<Dense<128, 128, Relu>, Dense<128, 8, Relu>>>,
        >,
    >,
    Chain<
        Dense<8, 128, Relu>,
        Chain<
            Dense<128, 128, Relu>,
            Chain<Dense<128, 128, Relu>, Chain<Dense<128, 128, Relu>, Dense<128, 640>>>,
        >,
    >,
>;
pub use tinyvae_core::presets::{AdDigits, AeDigits, ConvAeDigits, VaeDigits};
/// [`VaeDigits`] with a learned decoder variance (64 more parameters).
pub type VaeDigitsLearnedVariance = MlpVae<64, 32, 2, LearnedVariance<64>>;

/// The data a preset trains on when no `--data` is given.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DefaultData {
    /// The shipped MNIST, 28×28.
    Mnist,
    /// The shipped UCI 8×8 digits.
    Digits,
    /// A file or folder in the format its name gives (relative to the working directory),
    /// normalized so.
    File {
        /// The file or folder.
        path: &'static str,
        /// The header name of a table's label column, if it has one.
        label_column: Option<&'static str>,
        /// How its values are normalized.
        normalization: Normalization,
    },
    /// None: `--data` is required.
    Required,
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
    /// [`ConvVaeMnist`].
    ConvVaeMnist,
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
    /// [`ConvAeDigits`].
    ConvAeDigits,
    /// [`AdMlperf`].
    AdMlperf,
    /// [`AdDigits`].
    AdDigits,
}

/// A named model: its data and the settings it starts from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    /// The name used on the command line.
    pub name: &'static str,
    /// One line about it.
    pub description: &'static str,
    /// Its default data.
    pub data: DefaultData,
    /// Its default settings.
    pub config: TrainConfig,
    /// How a fresh model draws its weights.
    pub initialization: Initialization,
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

impl PresetId {
    /// Every preset, in the order `tinyvae presets` lists them.
    pub const ALL: [PresetId; 14] = [
        PresetId::VaeMnist,
        PresetId::VaeMnist2d,
        PresetId::VaeMnistIwae,
        PresetId::ConvVaeMnist,
        PresetId::AeMnist,
        PresetId::TiedAeMnist,
        PresetId::DaeMnist,
        PresetId::DaeMnistGaussian,
        PresetId::SdaeMnist,
        PresetId::VaeDigits,
        PresetId::AeDigits,
        PresetId::ConvAeDigits,
        PresetId::AdMlperf,
        PresetId::AdDigits,
    ];

    /// The preset's row: name, description, data and settings. The match has no catch-all,
    /// so a variant without its row does not compile.
    pub const fn preset(self) -> Preset {
        match self {
            Self::VaeMnist => Preset {
                name: "vae-mnist",
                description: "VAE 784-400-20, Bernoulli decoder (PyTorch examples)",
                data: DefaultData::Mnist,
                initialization: Initialization::PyTorch,
                config: config(10, 128, Noise::None),
            },
            Self::VaeMnist2d => Preset {
                name: "vae-mnist-2d",
                description: "VAE 784-400-2: latent plane and manifold",
                data: DefaultData::Mnist,
                initialization: Initialization::PyTorch,
                config: config(10, 128, Noise::None),
            },
            Self::VaeMnistIwae => Preset {
                name: "vae-mnist-iwae",
                description: "VAE 784-200-200-50 tanh, dynamically binarized (Burda et al. 2015)",
                data: DefaultData::Mnist,
                initialization: Initialization::PyTorch,
                config: TrainConfig {
                    batch_size: 20,
                    dynamic_binarization: true,
                    ..config(100, 20, Noise::None)
                },
            },
            Self::ConvVaeMnist => Preset {
                name: "conv-vae-mnist",
                description: "convolutional VAE 28×28-32-64-16-2, transposed convolutions back (Keras example)",
                data: DefaultData::Mnist,
                initialization: Initialization::Glorot,
                config: config(10, 128, Noise::None),
            },
            Self::AeMnist => Preset {
                name: "ae-mnist",
                description: "autoencoder 784-256, sigmoid, cross-entropy",
                data: DefaultData::Mnist,
                initialization: Initialization::PyTorch,
                config: config(10, 128, Noise::None),
            },
            Self::TiedAeMnist => Preset {
                name: "tied-ae-mnist",
                description: "tied-weight autoencoder 784-256 (W* = Wᵀ)",
                data: DefaultData::Mnist,
                initialization: Initialization::PyTorch,
                config: config(10, 128, Noise::None),
            },
            Self::DaeMnist => Preset {
                name: "dae-mnist",
                description: "denoising autoencoder 784-256, masking noise (keep 75 %)",
                data: DefaultData::Mnist,
                initialization: Initialization::PyTorch,
                config: config(
                    10,
                    128,
                    Noise::Masking {
                        keep_probability: 0.75,
                    },
                ),
            },
            Self::DaeMnistGaussian => Preset {
                name: "dae-mnist-gaussian",
                description: "denoising autoencoder 784-256, Gaussian noise σ = 0.3",
                data: DefaultData::Mnist,
                initialization: Initialization::PyTorch,
                config: config(10, 128, Noise::Gaussian { std_dev: 0.3 }),
            },
            Self::SdaeMnist => Preset {
                name: "sdae-mnist",
                description: "stacked denoising autoencoder 784-500-250-30",
                data: DefaultData::Mnist,
                initialization: Initialization::PyTorch,
                config: config(
                    10,
                    128,
                    Noise::Masking {
                        keep_probability: 0.75,
                    },
                ),
            },
            Self::VaeDigits => Preset {
                name: "vae-digits",
                description: "VAE 64-32-2 on the 8×8 digits (microcontroller size)",
                data: DefaultData::Digits,
                initialization: Initialization::PyTorch,
                config: config(200, 32, Noise::None),
            },
            Self::AeDigits => Preset {
                name: "ae-digits",
                description: "autoencoder 64-16 on the 8×8 digits (microcontroller size)",
                data: DefaultData::Digits,
                initialization: Initialization::PyTorch,
                config: config(200, 32, Noise::None),
            },
            Self::ConvAeDigits => Preset {
                name: "conv-ae-digits",
                description: "convolutional autoencoder 8×8-8-16-16 on the 8×8 digits (microcontroller size)",
                data: DefaultData::Digits,
                initialization: Initialization::PyTorch,
                config: config(200, 32, Noise::None),
            },
            Self::AdMlperf => Preset {
                name: "ad-mlperf",
                description: "anomaly detector 640-128×4-8-128×4-640, ReLU, MSE (MLPerf Tiny); --data of 640 floats",
                data: DefaultData::Required,
                initialization: Initialization::PyTorch,
                config: TrainConfig {
                    loss: tinyvae_core::autoencoder::ReconstructionLoss::LinearSquaredError,
                    ..config(100, 512, Noise::None)
                },
            },
            Self::AdDigits => Preset {
                name: "ad-digits",
                description: "anomaly detector 64-32-8-32-64, ReLU, on the 8×8 digits (microcontroller size); train with --normal-class",
                data: DefaultData::Digits,
                initialization: Initialization::PyTorch,
                config: config(300, 16, Noise::None),
            },
        }
    }

    /// The variant whose row is `preset`, if it is one of [`PRESETS`].
    pub fn of(preset: &Preset) -> Option<PresetId> {
        Self::ALL
            .into_iter()
            .zip(PRESETS.iter())
            .find(|(_, row)| row.name == preset.name)
            .map(|(id, _)| id)
    }
}

/// Every preset's row, in [`PresetId::ALL`] order.
pub static PRESETS: [Preset; 14] = {
    let mut rows = [PresetId::ALL[0].preset(); 14];
    let mut i = 1;
    while i < rows.len() {
        rows[i] = PresetId::ALL[i].preset();
        i += 1;
    }
    rows
};

/// The preset called `name`, or an error listing the names.
pub fn find_preset(name: &str) -> Result<&'static Preset, String> {
    find_in(&PRESETS, name)
}

/// The preset of `presets` called `name`, or an error listing the names.
pub fn find_in(presets: &'static [Preset], name: &str) -> Result<&'static Preset, String> {
    presets.iter().find(|p| p.name == name).ok_or_else(|| {
        let names: Vec<_> = presets.iter().map(|p| p.name).collect();
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

/// Runs `visitor` with the model type of the preset `id` under its own settings.
pub fn with_preset<V: PresetVisitor>(id: PresetId, visitor: V) -> V::Output {
    with_preset_config(id, &PRESETS[id as usize].config, visitor)
}

/// Runs `visitor` with the model type a run of the preset `id` under `config` trains: the
/// preset's own, or, for a VAE whose likelihood learns the decoder's variance, the same
/// networks with a [`LearnedVariance`] (the `…LearnedVariance` aliases). Checkpoints are
/// opened the same way, with the settings they hold.
pub fn with_preset_config<V: PresetVisitor>(
    id: PresetId,
    config: &TrainConfig,
    visitor: V,
) -> V::Output {
    let preset = &PRESETS[id as usize];
    let learned = config.likelihood.learns_variance();
    match id {
        PresetId::VaeMnist => vae::<VaeMnist, VaeMnistLearnedVariance, V>(preset, learned, visitor),
        PresetId::VaeMnist2d => {
            vae::<VaeMnist2d, VaeMnist2dLearnedVariance, V>(preset, learned, visitor)
        }
        PresetId::VaeMnistIwae => {
            vae::<VaeMnistIwae, VaeMnistIwaeLearnedVariance, V>(preset, learned, visitor)
        }
        PresetId::ConvVaeMnist => {
            vae::<ConvVaeMnist, ConvVaeMnistLearnedVariance, V>(preset, learned, visitor)
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
        PresetId::ConvAeDigits => visitor.visit::<ConvAeDigits>(preset),
        PresetId::AdMlperf => visitor.visit::<AdMlperf>(preset),
        PresetId::AdDigits => visitor.visit::<AdDigits>(preset),
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

    #[test]
    fn rows_are_in_variant_order_with_unique_names() {
        for (i, id) in PresetId::ALL.into_iter().enumerate() {
            assert_eq!(id as usize, i, "{id:?} is listed out of order");
            assert_eq!(PRESETS[i], id.preset());
            assert_eq!(PresetId::of(&PRESETS[i]), Some(id));
            assert_eq!(find_preset(PRESETS[i].name).unwrap(), &PRESETS[i]);
            PRESETS[i].config.validate().unwrap();
        }
    }

    #[test]
    fn every_variant_is_listed() {
        // A match without a catch-all: a new variant fails to compile here until it is
        // handled, and the count below then reminds that ALL must list it.
        let listed = PresetId::ALL
            .iter()
            .filter(|id| match id {
                PresetId::VaeMnist
                | PresetId::VaeMnist2d
                | PresetId::VaeMnistIwae
                | PresetId::ConvVaeMnist
                | PresetId::AeMnist
                | PresetId::TiedAeMnist
                | PresetId::DaeMnist
                | PresetId::DaeMnistGaussian
                | PresetId::SdaeMnist
                | PresetId::VaeDigits
                | PresetId::AeDigits
                | PresetId::ConvAeDigits
                | PresetId::AdMlperf
                | PresetId::AdDigits => true,
            })
            .count();
        assert_eq!(listed, 14);
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
        for id in PresetId::ALL {
            let (own, inputs) = with_preset(id, Shape);
            assert_eq!(with_preset_config(id, &fixed, Shape), (own, inputs));
            let (twin, _) = with_preset_config(id, &learned, Shape);
            let variational = matches!(
                id,
                PresetId::VaeMnist
                    | PresetId::VaeMnist2d
                    | PresetId::VaeMnistIwae
                    | PresetId::ConvVaeMnist
                    | PresetId::VaeDigits
            );
            let extra = if variational { inputs } else { 0 };
            assert_eq!(twin, own + extra, "{id:?}");
        }
    }

    #[test]
    fn unknown_names_list_the_presets() {
        let message = find_preset("vae-mnsit").unwrap_err();
        assert!(message.contains("vae-mnist-2d"), "{message}");
    }
}
