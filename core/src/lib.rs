//! # tinyvae-core
//!
//! Autoencoders and variational autoencoders that run the same on a server and on a
//! microcontroller: `no_std`, no heap, no `alloc`.
//!
//! ## Memory model
//! Every size is in a type. A [`Dense<784, 400, Relu>`](Dense) holds its weights inline as a
//! fixed-size nalgebra matrix, a model is a plain struct of layers, and its size in bytes is a
//! constant of its type. Nothing is allocated: the buffers a computation needs (activations,
//! scratch, gradients, optimizer moments) are owned by the caller, who states their sizes from
//! the type's constants, on the stack or in a `static` on a device and in a `Box` or `Vec` on a
//! host. Running out of room is an [`Error`], never a panic.
//!
//! Large models must not be built on the stack: every model is [`bytemuck::Zeroable`], so a host
//! gets one straight on the heap with `bytemuck::zeroed_box` and fills it with
//! [`Parameters::initialize`].
//!
//! ## Numbers
//! Math goes through libm (`libm-force` in nalgebra), so exp, log and tanh give the same bits on
//! every target, and random draws come from one seeded [`SeededRng`]. With the `std` feature,
//! batches of more than one sample go through `matrixmultiply`'s GEMM; a single sample always
//! takes the same dot-product path, on the host and on a device.
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod activation;
pub mod anomaly;
pub mod autoencoder;
pub mod batch;
mod chain;
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
pub use model::{LossParts, Model, ModelKind};
pub use network::{Architecture, LayerShape, MAX_LAYERS, Network};
pub use output::DecoderOutput;
pub use parameters::Parameters;
pub use rng::{SeededRng, seeded_rng};
