#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

/// The crate of [`bytemuck::Zeroable`] and [`bytemuck::AnyBitPattern`], which every model is,
/// at the version this crate uses.
pub use bytemuck;
/// The matrix crate the networks are built on, at the version and features this crate uses.
pub use nalgebra;

pub mod activation;
pub mod anomaly;
pub mod autoencoder;
pub mod batch;
mod chain;
pub mod conv;
mod dense;
mod error;
mod footprint;
pub mod input_transform;
pub mod interpolation;
pub mod loss;
pub mod math;
mod model;
mod network;
pub mod noise;
mod one_sample;
pub mod optim;
pub mod output;
mod parameters;
pub mod presets;
pub mod rng;
pub mod stacked;
pub mod tied;
pub mod vae;
pub mod weights;

#[cfg(test)]
mod test_support;

pub use activation::{Activation, Identity, LeakyRelu, Relu, Sigmoid, Tanh};
pub use chain::Chain;
pub use dense::Dense;
pub use error::Error;
pub use footprint::Footprint;
pub use input_transform::InputTransformRef;
pub use model::{FIRST_USER_CODE, LossParts, Model, ModelKind};
pub use network::{Architecture, ConvShape, LayerShape, MAX_LAYERS, Network};
pub use one_sample::OneSample;
pub use output::DecoderOutput;
pub use parameters::Parameters;
pub use rng::{SeededRng, seeded_rng};
