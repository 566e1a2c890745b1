//! The tied-weight autoencoder: one matrix W used by the encoder and, transposed, by the
//! decoder (W* = Wᵀ), which halves the parameters and acts as a regularizer.

use core::marker::PhantomData;

use bytemuck::AnyBitPattern;
use nalgebra::{Const, Dyn, MatrixView, SMatrix, SVector};

use crate::activation::{Activation, Identity, Sigmoid};
use crate::autoencoder::{AutoencoderConfig, output_slice, push_layer, reconstruction_only};
use crate::batch::{Batch, BatchMut, batch_view, batch_view_mut, check_batch, split_buffer};
use crate::dense::gemm_pays;
use crate::model::{LossParts, Model, ModelKind};
use crate::network::Architecture;
use crate::noise::corrupt;
use crate::rng::uniform_symmetric;
use crate::{DecoderOutput, Error, Parameters, SeededRng};

/// A tied autoencoder from `X` features to a code of `H` with encoder activation `A`:
/// h = A(b + Wx) (W of shape H×X), ℓ = c + Wᵀh, x̂ = σ(ℓ).
///
/// As in [`crate::Dense`], `weight` stores Wᵀ (X×H column-major), so the encoder of one sample
/// is H contiguous dot products and the decoder `weight`·h is X×H column-major, i.e. H
/// contiguous axpy updates. Both uses add their gradient into the one `weight`:
/// ∂L/∂Wᵀ = x̃·δₐᵀ (encoder) + δ_ℓ·hᵀ (decoder).
#[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
#[repr(C)]
pub struct TiedAutoencoder<const X: usize, const H: usize, A = Sigmoid> {
    /// Wᵀ (X×H): column `j` is row `j` of W, the weights into code unit `j`.
    pub weight: SMatrix<f32, X, H>,
    /// b (H), the encoder's bias.
    pub encoder_bias: SVector<f32, H>,
    /// c (X), the decoder's bias.
    pub decoder_bias: SVector<f32, X>,
    activation: PhantomData<A>,
}

impl<const X: usize, const H: usize, A: Activation> Parameters for TiedAutoencoder<X, H, A> {
    const TENSORS: usize = 3;
    const SCALARS: usize = X * H + H + X;

    fn tensor(&self, index: usize) -> &[f32] {
        match index {
            0 => self.weight.as_slice(),
            1 => self.encoder_bias.as_slice(),
            2 => self.decoder_bias.as_slice(),
            _ => &[],
        }
    }

    fn tensor_mut(&mut self, index: usize) -> &mut [f32] {
        match index {
            0 => self.weight.as_mut_slice(),
            1 => self.encoder_bias.as_mut_slice(),
            2 => self.decoder_bias.as_mut_slice(),
            _ => &mut [],
        }
    }

    /// W from U(−√(6/(X+H)), √(6/(X+H))) (Glorot & Bengio 2010: W serves both as an X→H and
    /// an H→X layer), both biases 0.
    fn initialize(&mut self, rng: &mut SeededRng) {
        let bound = libm::sqrtf(6.0 / (X + H) as f32);
        for value in self.weight.iter_mut() {
            *value = uniform_symmetric(rng, bound);
        }
        self.encoder_bias.fill(0.0);
        self.decoder_bias.fill(0.0);
    }
}

impl<const X: usize, const H: usize, A: Activation> TiedAutoencoder<X, H, A> {
    /// Floats per sample: x̃ (X), h (H), ℓ (X), ∂L/∂ℓ (X), ∂L/∂h (H).
    const WORKSPACE_PER_SAMPLE: usize = 3 * X + 2 * H;

    /// W as an H×X view of the transposed storage (no copy); only for the GEMM path.
    fn weight_view(&self) -> MatrixView<'_, f32, Const<H>, Const<X>, Dyn, Dyn> {
        MatrixView::from_slice_with_strides_generic(
            self.weight.as_slice(),
            Const::<H>,
            Const::<X>,
            Dyn(X),
            Dyn(1),
        )
    }

    /// h = A(Wx + b) for every column of `input` (X×batch) into `code` (H×batch).
    fn encode_into(&self, input: &[f32], code: &mut [f32], batch: usize) -> Result<(), Error> {
        let x = batch_view::<X>(input, batch)?;
        let mut h = batch_view_mut::<H>(code, batch)?;
        multiply_by_w(&self.weight, &self.weight_view(), &x, &mut h);
        for mut column in h.column_iter_mut() {
            column += &self.encoder_bias;
        }
        A::apply_in_place(code);
        Ok(())
    }

    /// ℓ = Wᵀh + c for every column of `code` (H×batch) into `logits` (X×batch).
    fn decode_into(&self, code: &[f32], logits: &mut [f32], batch: usize) -> Result<(), Error> {
        let h = batch_view::<H>(code, batch)?;
        let mut l = batch_view_mut::<X>(logits, batch)?;
        // `weight` is Wᵀ stored contiguously: no strided view, so valid on every path.
        l.gemm(1.0, &self.weight, &h, 0.0);
        for mut column in l.column_iter_mut() {
            column += &self.decoder_bias;
        }
        Ok(())
    }
}

impl<const X: usize, const H: usize, A: Activation> Model for TiedAutoencoder<X, H, A> {
    type Config = AutoencoderConfig;
    const KIND: ModelKind = ModelKind::TiedAutoencoder;
    const INPUTS: usize = X;
    const LATENT: usize = H;
    /// x̃, h, ℓ, ∂L/∂ℓ and ∂L/∂h: 3X + 2H floats per sample.
    const WORKSPACE: usize = Self::WORKSPACE_PER_SAMPLE;
    /// The code h between the two halves of [`Model::reconstruct`], H floats per sample;
    /// [`Model::encode`] and [`Model::decode`] write straight into their outputs.
    const INFERENCE_WORKSPACE: usize = H;

    /// Two layers, as the model runs: the encoder X→H with activation `A`, then the decoder
    /// H→X as an identity layer (it outputs the logits ℓ; x̂ = σ(ℓ) is implied by the model
    /// kind, as for [`crate::autoencoder::ShallowAutoencoder`]). The decoder's weights are the
    /// encoder's transposed, so only the three tensors W, b, c are stored.
    fn describe(architecture: &mut Architecture) -> Result<(), Error> {
        push_layer(architecture, X, H, A::CODE)?;
        push_layer(architecture, H, X, Identity::CODE)
    }

    /// The loss of `input`, and its gradient added into `grads` when given.
    fn compute_loss(
        &self,
        config: &Self::Config,
        input: &[f32],
        batch: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
        grads: Option<&mut Self>,
    ) -> Result<LossParts, Error> {
        config.noise.validate()?;
        check_batch(workspace, Self::WORKSPACE_PER_SAMPLE, input, X, batch)?;
        let (corrupted, rest) = split_buffer(workspace, X * batch)?;
        let (code, rest) = split_buffer(rest, H * batch)?;
        let (logits, rest) = split_buffer(rest, X * batch)?;
        let (grad_logits, rest) = split_buffer(rest, X * batch)?;
        let (grad_code, _) = split_buffer(rest, H * batch)?;

        let encoder_input: &[f32] = if config.noise.is_none() {
            input
        } else {
            corrupt(&config.noise, input, corrupted, rng)?;
            corrupted
        };
        self.encode_into(encoder_input, code, batch)?;
        self.decode_into(code, logits, batch)?;
        let scale = 1.0 / batch as f32;
        let Some(grads) = grads else {
            let total = config.loss.evaluate(logits, input, None, scale)?;
            return reconstruction_only(total, batch);
        };
        let total = config
            .loss
            .evaluate(logits, input, Some(&mut *grad_logits), scale)?;

        let x = batch_view::<X>(encoder_input, batch)?;
        let delta_logits = batch_view::<X>(grad_logits, batch)?;
        // Decoder: ∂c = Σ δ_ℓ, ∂Wᵀ += δ_ℓ hᵀ, ∂L/∂h = W δ_ℓ.
        for column in delta_logits.column_iter() {
            grads.decoder_bias += column;
        }
        let h = batch_view::<H>(code, batch)?;
        add_outer_products(&mut grads.weight, &delta_logits, &h, code, batch);
        {
            let mut grad_h = batch_view_mut::<H>(grad_code, batch)?;
            multiply_by_w(
                &self.weight,
                &self.weight_view(),
                &delta_logits,
                &mut grad_h,
            );
        }
        // Encoder: δₐ = ∂L/∂h ⊙ A′, ∂b = Σ δₐ, ∂Wᵀ += x̃ δₐᵀ.
        A::backward_in_place(code, grad_code);
        let delta_code = batch_view::<H>(grad_code, batch)?;
        for column in delta_code.column_iter() {
            grads.encoder_bias += column;
        }
        add_outer_products(&mut grads.weight, &x, &delta_code, grad_code, batch);
        reconstruction_only(total, batch)
    }

    fn encode(
        &self,
        input: &[f32],
        code: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        check_batch(workspace, Self::INFERENCE_WORKSPACE, input, X, batch)?;
        self.encode_into(input, output_slice(code, H * batch)?, batch)
    }

    /// x̂ = σ(Wᵀh + c).
    fn decode(
        &self,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.decode_as(DecoderOutput::Sigmoid, code, output, batch, workspace)
    }

    /// x̂ = σ(Wᵀh(x) + c).
    fn reconstruct(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.reconstruct_as(DecoderOutput::Sigmoid, input, output, batch, workspace)
    }

    /// x̂ = σ(Wᵀh + c), or Wᵀh + c itself for a linear-output loss.
    fn decode_with(
        &self,
        config: &AutoencoderConfig,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.decode_as(config.loss.output(), code, output, batch, workspace)
    }

    /// x̂ = σ(Wᵀh(x) + c), or Wᵀh(x) + c itself for a linear-output loss.
    fn reconstruct_with(
        &self,
        config: &AutoencoderConfig,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.reconstruct_as(config.loss.output(), input, output, batch, workspace)
    }
}

impl<const X: usize, const H: usize, A: Activation> TiedAutoencoder<X, H, A> {
    /// ℓ = Wᵀh + c mapped by `map` into `output`.
    fn decode_as(
        &self,
        map: DecoderOutput,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        check_batch(workspace, Self::INFERENCE_WORKSPACE, code, H, batch)?;
        let output = output_slice(output, X * batch)?;
        self.decode_into(code, output, batch)?;
        map.apply_in_place(output);
        Ok(())
    }

    /// ℓ = Wᵀh(x) + c mapped by `map` into `output`.
    fn reconstruct_as(
        &self,
        map: DecoderOutput,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        check_batch(workspace, Self::INFERENCE_WORKSPACE, input, X, batch)?;
        let output = output_slice(output, X * batch)?;
        let (code, _) = split_buffer(workspace, H * batch)?;
        self.encode_into(input, code, batch)?;
        self.decode_into(code, output, batch)?;
        map.apply_in_place(output);
        Ok(())
    }
}

/// Y = W·V (H×B) for V of shape X×B, from `weight` = Wᵀ: dot products per column, or one GEMM
/// on the strided view `w` of W when that pays.
fn multiply_by_w<const X: usize, const H: usize>(
    weight: &SMatrix<f32, X, H>,
    w: &MatrixView<'_, f32, Const<H>, Const<X>, Dyn, Dyn>,
    v: &Batch<'_, X>,
    y: &mut BatchMut<'_, H>,
) {
    if gemm_pays(X, H, v.ncols()) {
        y.gemm(1.0, w, v, 0.0);
        return;
    }
    for (v_column, mut y_column) in v.column_iter().zip(y.column_iter_mut()) {
        y_column.gemv_tr(1.0, weight, &v_column, 0.0);
    }
}

/// ∂Wᵀ += U·Vᵀ (X×H) for U of shape X×B and V of shape H×B, whose floats are `v_data`.
fn add_outer_products<const X: usize, const H: usize>(
    grad_weight: &mut SMatrix<f32, X, H>,
    u: &Batch<'_, X>,
    v: &Batch<'_, H>,
    v_data: &[f32],
    batch: usize,
) {
    if gemm_pays(X, H, batch) {
        // Vᵀ as a B×H view of the same floats.
        let v_t = MatrixView::from_slice_with_strides_generic(
            v_data,
            Dyn(batch),
            Const::<H>,
            Dyn(H),
            Dyn(1),
        );
        grad_weight.gemm(1.0, u, &v_t, 1.0);
        return;
    }
    for (u_column, v_column) in u.column_iter().zip(v.column_iter()) {
        grad_weight.ger(1.0, &u_column, &v_column, 1.0);
    }
}

#[cfg(test)]
mod tests;
