//! The microcontroller-size presets of tinyvae, as types.
//!
//! These are the models sized for a device: they train on the 8×8 digits, fit a Cortex-M4's
//! RAM with their gradients and optimizer state, and their weight blobs are what the firmware
//! carries. They are declared once, here, so the host that trains and exports them and the
//! firmware that loads and runs them name the same types.

use crate::activation::Relu;
use crate::autoencoder::{Autoencoder, ShallowAutoencoder};
use crate::conv::{Conv2d, ConvTranspose2d};
use crate::vae::MlpVae;
use crate::{Chain, Dense};

/// The `vae-digits` preset: 64-32-2, ReLU, Bernoulli decoder, the microcontroller VAE on the
/// 8×8 digits (4 420 parameters).
pub type VaeDigits = MlpVae<64, 32, 2>;

/// The `ae-digits` preset: 64-16 sigmoid autoencoder, the microcontroller autoencoder on the
/// 8×8 digits (2 128 parameters).
pub type AeDigits = ShallowAutoencoder<64, 16>;

/// The `ad-digits` preset: the anomaly detector for the 8×8 digits, MLPerf Tiny's dense
/// detector scaled to them, 64-32-8-32-64 with ReLU inside, a ReLU code of 8 and a sigmoid
/// output (cross-entropy): trained on the normal class alone, it scores by reconstruction
/// error (4 744 parameters).
pub type AdDigits = Autoencoder<
    Chain<Dense<64, 32, Relu>, Dense<32, 8, Relu>>,
    Chain<Dense<8, 32, Relu>, Dense<32, 64>>,
>;

/// The `conv-ae-digits` preset: the convolutional autoencoder for the 8×8 digits. Two 3×3
/// convolutions of stride 2 (1×8×8 → 8×4×4 → 16×2×2, ReLU), a dense ReLU code of 16, a dense
/// layer back to 16×2×2 (ReLU) and two 3×3 transposed convolutions of stride 2 (→ 8×4×4, ReLU,
/// → 1×8×8), a sigmoid output (cross-entropy) (4 609 parameters).
pub type ConvAeDigits = Autoencoder<
    Chain<
        Conv2d<1, 8, 8, 8, 3, 2, 1, Relu>,
        Chain<Conv2d<8, 4, 4, 16, 3, 2, 1, Relu>, Dense<64, 16, Relu>>,
    >,
    Chain<
        Dense<16, 64, Relu>,
        Chain<
            ConvTranspose2d<16, 2, 2, 8, 3, 2, 1, 1, Relu>,
            ConvTranspose2d<8, 4, 4, 1, 3, 2, 1, 1>,
        >,
    >,
>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Model, Parameters};

    #[test]
    fn presets_have_the_documented_sizes() {
        assert_eq!(VaeDigits::SCALARS, 4420);
        assert_eq!(AeDigits::SCALARS, 2128);
        assert_eq!(AdDigits::SCALARS, 4744);
        assert_eq!(ConvAeDigits::SCALARS, 4609);
        assert_eq!((ConvAeDigits::INPUTS, ConvAeDigits::LATENT), (64, 16));
        // 968 + 3 200 in the convolutions, 1 024 + 1 024 dense, 3 200 + 968 transposed.
        assert_eq!(ConvAeDigits::RECONSTRUCTION_MACS, 10_384);
        assert_eq!(
            AdDigits::RECONSTRUCTION_MACS,
            64 * 32 + 32 * 8 + 8 * 32 + 32 * 64
        );
        assert_eq!((AdDigits::INPUTS, AdDigits::LATENT), (64, 8));
        assert_eq!((VaeDigits::INPUTS, VaeDigits::LATENT), (64, 2));
        assert_eq!((AeDigits::INPUTS, AeDigits::LATENT), (64, 16));
    }
}
