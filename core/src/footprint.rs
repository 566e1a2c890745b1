//! What a model costs in memory, as constants of its type.
//!
//! A device budget is checked against these before anything runs: the weights (in flash when
//! used in place with [`crate::weights::view`]), the gradients and optimizer state that
//! training adds, and the workspace every batch of samples needs: for training, or, much
//! less, for inference alone.

use core::mem::size_of;

use crate::Model;
use crate::optim::{AdamState, SgdMomentumState};

/// Memory constants of a model type, for every [`Model`].
pub trait Footprint: Model {
    /// Bytes of weights: 4 per scalar, the model being plain f32 data.
    const WEIGHT_BYTES: usize = size_of::<Self>();
    /// Bytes of one gradient buffer (same shape as the weights).
    const GRADIENT_BYTES: usize = size_of::<Self>();
    /// Bytes of SGD-with-momentum state (the velocity); plain [`crate::optim::Sgd`] has none.
    const SGD_MOMENTUM_STATE_BYTES: usize = size_of::<SgdMomentumState<Self>>();
    /// Bytes of Adam state (two moment estimates and the step count).
    const ADAM_STATE_BYTES: usize = size_of::<AdamState<Self>>();
    /// Bytes of workspace per sample: activations kept for the backward pass and scratch.
    const WORKSPACE_BYTES_PER_SAMPLE: usize = 4 * Self::WORKSPACE;
    /// Bytes of workspace per sample of encode, decode and reconstruct
    /// ([`Model::INFERENCE_WORKSPACE`]).
    const INFERENCE_WORKSPACE_BYTES_PER_SAMPLE: usize = 4 * Self::INFERENCE_WORKSPACE;
}

impl<M: Model> Footprint for M {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoencoder::ShallowAutoencoder;
    use crate::stacked::StackedAutoencoder;
    use crate::tied::TiedAutoencoder;
    use crate::vae::MlpVae;

    /// Scalars of a dense layer I → O.
    const fn dense(i: usize, o: usize) -> usize {
        i * o + o
    }

    #[test]
    fn vae_footprints() {
        // 784-400-20: encoder, two heads, two decoder layers.
        let scalars = dense(784, 400) + 2 * dense(400, 20) + dense(20, 400) + dense(400, 784);
        assert_eq!(scalars, 652_824);
        type Big = MlpVae<784, 400, 20>;
        assert_eq!(Big::WEIGHT_BYTES, 4 * scalars);
        assert_eq!(Big::GRADIENT_BYTES, 2_611_296);
        assert_eq!(Big::SGD_MOMENTUM_STATE_BYTES, 2_611_296);
        assert_eq!(Big::ADAM_STATE_BYTES, 2 * 2_611_296 + 8);
        // h, μ, log σ², z, decoder activations, gradients of the same and scratch.
        assert_eq!(Big::WORKSPACE_BYTES_PER_SAMPLE, 13_088);
        // Inference: μ, then the decoder's 400 + 784 activations (more than the encoder's 400).
        assert_eq!(Big::INFERENCE_WORKSPACE, 20 + 400 + 784);
        assert_eq!(Big::INFERENCE_WORKSPACE_BYTES_PER_SAMPLE, 4_816);

        type Small = MlpVae<64, 32, 2>;
        let scalars = dense(64, 32) + 2 * dense(32, 2) + dense(2, 32) + dense(32, 64);
        assert_eq!(Small::WEIGHT_BYTES, 4 * scalars);
        assert_eq!(Small::WEIGHT_BYTES, 17_680);
        assert_eq!(Small::ADAM_STATE_BYTES, 35_368);
        assert_eq!(Small::WORKSPACE_BYTES_PER_SAMPLE, 1_072);
        assert_eq!(Small::INFERENCE_WORKSPACE, 2 + 32 + 64);
        assert_eq!(Small::INFERENCE_WORKSPACE_BYTES_PER_SAMPLE, 392);
    }

    #[test]
    fn autoencoder_footprints() {
        type Plain = ShallowAutoencoder<784, 256>;
        assert_eq!(Plain::WEIGHT_BYTES, 4 * (dense(784, 256) + dense(256, 784)));
        // Two input-sized buffers, the code, and the encoder and decoder activations.
        assert_eq!(
            Plain::WORKSPACE_BYTES_PER_SAMPLE,
            4 * (2 * 784 + 256 + 256 + 784)
        );

        // Inference: the encoder's and the decoder's activations.
        assert_eq!(Plain::INFERENCE_WORKSPACE, 256 + 784);

        type Tied = TiedAutoencoder<784, 256>;
        assert_eq!(Tied::WEIGHT_BYTES, 4 * (784 * 256 + 256 + 784));
        assert_eq!(Tied::INFERENCE_WORKSPACE, 256);

        type Stacked = StackedAutoencoder<784, 500, 250, 30>;
        let scalars = dense(784, 500)
            + dense(500, 784)
            + dense(500, 250)
            + dense(250, 500)
            + dense(250, 30)
            + dense(30, 250);
        assert_eq!(Stacked::WEIGHT_BYTES, 4 * scalars);
        assert_eq!(Stacked::ADAM_STATE_BYTES, 8 * scalars + 8);
        assert_eq!(Stacked::INFERENCE_WORKSPACE, 500 + 250 + 30);
    }

    #[test]
    fn preset_inference_workspaces() {
        use crate::presets::{AeDigits, VaeDigits};
        assert_eq!(VaeDigits::INFERENCE_WORKSPACE_BYTES_PER_SAMPLE, 392);
        assert_eq!(VaeDigits::WORKSPACE_BYTES_PER_SAMPLE, 1_072);
        assert_eq!(
            AeDigits::INFERENCE_WORKSPACE_BYTES_PER_SAMPLE,
            4 * (16 + 64)
        );
        assert_eq!(
            AeDigits::WORKSPACE_BYTES_PER_SAMPLE,
            4 * (2 * 64 + 16 + 64 + 16)
        );
    }
}

#[cfg(test)]
mod inference_tests;

#[cfg(test)]
mod conv_tests {
    use super::*;
    use crate::presets::ConvAeDigits;

    /// The convolutional autoencoder of the 8×8 digits: its weights, and its workspaces in a
    /// device build (outputs only) and in a std build, where the layers that lower a batch to a
    /// matrix product also keep their share of the lowered matrix (the first convolution's and
    /// the last transposed convolution's: 16 positions × 9 taps each).
    #[test]
    fn conv_ae_digits_footprint() {
        let lowered = if cfg!(feature = "std") { 2 * 16 * 9 } else { 0 };
        assert_eq!(ConvAeDigits::WEIGHT_BYTES, 4 * 4_609);
        assert_eq!(ConvAeDigits::ADAM_STATE_BYTES, 2 * 4 * 4_609 + 8);
        // Encoder 8×4×4 + 16×2×2 + 16, decoder 64 + 8×4×4 + 1×8×8.
        let activations = 128 + 64 + 16 + 64 + 128 + 64;
        assert_eq!(ConvAeDigits::INFERENCE_WORKSPACE, activations + lowered);
        assert_eq!(
            ConvAeDigits::INFERENCE_WORKSPACE_BYTES_PER_SAMPLE,
            4 * (activations + lowered)
        );
    }
}
