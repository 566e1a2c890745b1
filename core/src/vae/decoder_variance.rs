//! The decoder's variance as part of a VAE: nothing, or a learned log σ² per feature.
//!
//! A Gaussian decoder p(x|z) = Πᵢ N(xᵢ; μᵢ(z), σᵢ²) with a learned variance learns one σᵢ² per
//! feature, shared by every z, beside the networks. Those X scalars are weights, so they are
//! the last type parameter of [`super::Vae`]: [`LearnedVariance<X>`] holds them, and the
//! default [`NoLearnedVariance`] is zero-sized, adds no tensor, no layer-table entry and no
//! random draw to initialization, so a VAE that does not learn its variance keeps its layout,
//! its weight blob and its bits.
//!
//! ## Keeping log σ² in range
//! The stored parameter is a raw rᵢ ∈ ℝ and log σ²ᵢ = L·tanh(rᵢ/L) with
//! L = [`crate::loss::LEARNED_LOG_VARIANCE_LIMIT`] = 6 (see
//! [`crate::loss::bounded_log_variance`]), so σᵢ² ∈ (e⁻⁶, e⁶) ≈ (0.0025, 403) whatever the
//! optimizer does: a feature the decoder predicts exactly (a constant pixel) cannot drive σ²
//! to 0 and the loss to −∞, and 1/σ² cannot overflow. Around r = 0, where training starts
//! (σ² = 1, the scale of standardized data), log σ² ≈ r; the derivative 1 − tanh²(r/L) stays
//! positive (until |r| ≈ 54, where f32's tanh rounds to ±1), so a parameter pushed far out is
//! still pulled back, which a hard clamp (zero derivative outside) would not do.

use bytemuck::AnyBitPattern;
use nalgebra::SVector;

use crate::autoencoder::push_layer;
use crate::network::Architecture;
use crate::{Error, Parameters, SeededRng};

/// What a [`super::Vae`] holds of its decoder's variance.
pub trait DecoderVariance:
    Parameters + AnyBitPattern + Copy + core::fmt::Debug + PartialEq
{
    /// Features with a learned variance: the decoder's outputs, or 0 when none is learned.
    const FEATURES: usize;

    /// The raw parameters r (one per feature, log σ²ᵢ = L·tanh(rᵢ/L)), when learned.
    fn raw_log_variance(&self) -> Option<&[f32]>;

    /// The raw parameters, mutably (a gradient is a value of the model's type).
    fn raw_log_variance_mut(&mut self) -> Option<&mut [f32]>;

    /// Appends the layer-table entry of the learned vector, `0 → FEATURES` with activation code
    /// 0 (no inputs: a vector, not a layer), or nothing.
    fn describe(architecture: &mut Architecture) -> Result<(), Error>;
}

/// No learned decoder variance: zero-sized, no tensor (Bernoulli or fixed-variance decoders).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern)]
pub struct NoLearnedVariance;

impl Parameters for NoLearnedVariance {
    const TENSORS: usize = 0;
    const SCALARS: usize = 0;

    fn tensor(&self, _: usize) -> &[f32] {
        &[]
    }

    fn tensor_mut(&mut self, _: usize) -> &mut [f32] {
        &mut []
    }

    /// Nothing to draw.
    fn initialize(&mut self, _: &mut SeededRng) {}
}

impl DecoderVariance for NoLearnedVariance {
    const FEATURES: usize = 0;

    fn raw_log_variance(&self) -> Option<&[f32]> {
        None
    }

    fn raw_log_variance_mut(&mut self) -> Option<&mut [f32]> {
        None
    }

    fn describe(_: &mut Architecture) -> Result<(), Error> {
        Ok(())
    }
}

/// A learned log σ² for each of the decoder's `X` features, one tensor of `X` raw parameters.
#[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
#[repr(C)]
pub struct LearnedVariance<const X: usize> {
    /// r, with log σ²ᵢ = L·tanh(rᵢ/L).
    pub raw_log_variance: SVector<f32, X>,
}

impl<const X: usize> Parameters for LearnedVariance<X> {
    const TENSORS: usize = 1;
    const SCALARS: usize = X;

    fn tensor(&self, index: usize) -> &[f32] {
        match index {
            0 => self.raw_log_variance.as_slice(),
            _ => &[],
        }
    }

    fn tensor_mut(&mut self, index: usize) -> &mut [f32] {
        match index {
            0 => self.raw_log_variance.as_mut_slice(),
            _ => &mut [],
        }
    }

    /// r = 0: σ² = 1 for every feature, drawing nothing.
    fn initialize(&mut self, _: &mut SeededRng) {
        self.raw_log_variance.fill(0.0);
    }
}

impl<const X: usize> DecoderVariance for LearnedVariance<X> {
    const FEATURES: usize = X;

    fn raw_log_variance(&self) -> Option<&[f32]> {
        Some(self.raw_log_variance.as_slice())
    }

    fn raw_log_variance_mut(&mut self) -> Option<&mut [f32]> {
        Some(self.raw_log_variance.as_mut_slice())
    }

    fn describe(architecture: &mut Architecture) -> Result<(), Error> {
        push_layer(architecture, 0, X, 0)
    }
}

#[cfg(test)]
mod tests;
