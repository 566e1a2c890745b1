//! Inference on one sample held in fixed-size arrays, the common case on a device: every
//! length is checked as the program compiles, so only the data itself can still fail.
//!
//! The slice methods of [`Model`] check their lengths when they run and say what was wrong
//! with an [`Error`]. These take arrays instead: the input, the output and the workspace are
//! `[f32; N]`s whose lengths must be those of the model type (the workspace at least
//! [`Model::INFERENCE_WORKSPACE`]), or the call does not compile. Stable Rust cannot size an
//! array by a constant of a generic type inside the signature, so the lengths are const
//! parameters inferred from the arrays and checked by a `const` assertion, which `cargo build`
//! (not `cargo check`) reports.
//!
//! ```
//! use tinyvae_core::presets::VaeDigits;
//! use tinyvae_core::{Model, OneSample, Parameters, seeded_rng};
//!
//! let mut model: VaeDigits = bytemuck::Zeroable::zeroed();
//! model.initialize(&mut seeded_rng(3));
//! let x = [0.5f32; 64];
//! let mut code = [0.0f32; 2];
//! let mut reconstruction = [0.0f32; 64];
//! let mut workspace = [0.0f32; VaeDigits::INFERENCE_WORKSPACE]; // 98 floats, 392 bytes
//! model.encode_one(&x, &mut code, &mut workspace)?;
//! model.decode_one(&code, &mut reconstruction, &mut workspace)?;
//! let (mut mean, mut log_variance) = ([0.0f32; 2], [0.0f32; 2]);
//! model.encode_distribution_one(&x, &mut mean, &mut log_variance, &mut workspace)?;
//! assert_eq!(mean, code);
//! # Ok::<(), tinyvae_core::Error>(())
//! ```
//!
//! A workspace one float short does not compile:
//!
//! ```compile_fail
//! use tinyvae_core::presets::VaeDigits;
//! use tinyvae_core::{Model, OneSample};
//!
//! let model: VaeDigits = bytemuck::Zeroable::zeroed();
//! let mut workspace = [0.0f32; VaeDigits::INFERENCE_WORKSPACE - 1];
//! let _ = model.encode_one(&[0.5; 64], &mut [0.0; 2], &mut workspace);
//! ```

use crate::vae::{DecoderVariance, Vae};
use crate::{Error, Model, Network};

/// [`Model::encode`], [`Model::decode`] and [`Model::reconstruct`] of one sample, on arrays
/// whose lengths are checked at compile time; every [`Model`] has them. Errors are those of
/// the data alone: [`Error::NonFinite`] for a NaN or an infinity in the input or the result.
pub trait OneSample: Model {
    /// The code of `input`: `N` = INPUTS, `C` = LATENT, `W` ≥ INFERENCE_WORKSPACE.
    fn encode_one<const N: usize, const C: usize, const W: usize>(
        &self,
        input: &[f32; N],
        code: &mut [f32; C],
        workspace: &mut [f32; W],
    ) -> Result<(), Error> {
        const {
            assert!(
                N == Self::INPUTS,
                "encode_one: the input must hold INPUTS floats"
            );
            assert!(
                C == Self::LATENT,
                "encode_one: the code must hold LATENT floats"
            );
            assert!(
                W >= Self::INFERENCE_WORKSPACE,
                "encode_one: the workspace must hold INFERENCE_WORKSPACE floats"
            );
        }
        self.encode(input, code, 1, workspace)
    }

    /// `code` decoded into `output`: `C` = LATENT, `N` = INPUTS, `W` ≥ INFERENCE_WORKSPACE.
    fn decode_one<const C: usize, const N: usize, const W: usize>(
        &self,
        code: &[f32; C],
        output: &mut [f32; N],
        workspace: &mut [f32; W],
    ) -> Result<(), Error> {
        const {
            assert!(
                C == Self::LATENT,
                "decode_one: the code must hold LATENT floats"
            );
            assert!(
                N == Self::INPUTS,
                "decode_one: the output must hold INPUTS floats"
            );
            assert!(
                W >= Self::INFERENCE_WORKSPACE,
                "decode_one: the workspace must hold INFERENCE_WORKSPACE floats"
            );
        }
        self.decode(code, output, 1, workspace)
    }

    /// decode(encode(`input`)) into `output`: `N` = INPUTS, `W` ≥ INFERENCE_WORKSPACE.
    fn reconstruct_one<const N: usize, const W: usize>(
        &self,
        input: &[f32; N],
        output: &mut [f32; N],
        workspace: &mut [f32; W],
    ) -> Result<(), Error> {
        const {
            assert!(
                N == Self::INPUTS,
                "reconstruct_one: the input must hold INPUTS floats"
            );
            assert!(
                W >= Self::INFERENCE_WORKSPACE,
                "reconstruct_one: the workspace must hold INFERENCE_WORKSPACE floats"
            );
        }
        self.reconstruct(input, output, 1, workspace)
    }
}

impl<M: Model> OneSample for M {}

impl<E: Network, const H: usize, const Z: usize, D: Network, V: DecoderVariance>
    Vae<E, H, Z, D, V>
{
    /// [`Vae::encode_distribution`] of one sample: μ and log σ² of q(z|x) into arrays of the
    /// latent size; `N` = INPUTS, `W` ≥ [`Vae::INFERENCE_WORKSPACE_FLOATS`], checked at compile
    /// time.
    pub fn encode_distribution_one<const N: usize, const W: usize>(
        &self,
        input: &[f32; N],
        mean: &mut [f32; Z],
        log_variance: &mut [f32; Z],
        workspace: &mut [f32; W],
    ) -> Result<(), Error> {
        const {
            assert!(
                N == E::INPUTS,
                "encode_distribution_one: the input must hold INPUTS floats"
            );
            assert!(
                W >= Self::INFERENCE_WORKSPACE_FLOATS,
                "encode_distribution_one: the workspace must hold INFERENCE_WORKSPACE floats"
            );
        }
        self.encode_distribution(input, mean, log_variance, 1, workspace)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::presets::{AeDigits, VaeDigits};
    use crate::seeded_rng;

    /// The array methods give the bits of the slice methods at batch 1.
    fn same_as_slices<M: Model, const N: usize, const C: usize, const W: usize>() {
        let mut model: Box<M> = bytemuck::zeroed_box();
        model.initialize(&mut seeded_rng(90));
        let x: [f32; N] = core::array::from_fn(|i| (i % 7) as f32 / 7.0);
        let mut workspace = [0.0f32; W];
        let mut slice_workspace = vec![0.0f32; M::WORKSPACE];
        let (mut code, mut slice_code) = ([0.0f32; C], [0.0f32; C]);
        model.encode_one(&x, &mut code, &mut workspace).unwrap();
        model
            .encode(&x, &mut slice_code, 1, &mut slice_workspace)
            .unwrap();
        assert_eq!(code.map(f32::to_bits), slice_code.map(f32::to_bits));
        let (mut out, mut slice_out) = ([0.0f32; N], [0.0f32; N]);
        model.decode_one(&code, &mut out, &mut workspace).unwrap();
        model
            .decode(&code, &mut slice_out, 1, &mut slice_workspace)
            .unwrap();
        assert_eq!(out.map(f32::to_bits), slice_out.map(f32::to_bits));
        model.reconstruct_one(&x, &mut out, &mut workspace).unwrap();
        model
            .reconstruct(&x, &mut slice_out, 1, &mut slice_workspace)
            .unwrap();
        assert_eq!(out.map(f32::to_bits), slice_out.map(f32::to_bits));
        let mut bad = x;
        bad[0] = f32::NAN;
        assert_eq!(
            model.encode_one(&bad, &mut code, &mut workspace),
            Err(Error::NonFinite)
        );
    }

    #[test]
    fn arrays_give_the_bits_of_slices() {
        same_as_slices::<VaeDigits, 64, 2, { <VaeDigits as Model>::INFERENCE_WORKSPACE }>();
        same_as_slices::<AeDigits, 64, 16, { <AeDigits as Model>::INFERENCE_WORKSPACE }>();
    }
}
