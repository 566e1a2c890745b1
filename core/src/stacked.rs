//! The stacked denoising autoencoder (Vincent et al. 2010): three sigmoid layers trained
//! greedily, each as a one-layer denoising autoencoder of the codes below it, then fine-tuned
//! end to end as one deep autoencoder X → H1 → H2 → Z → H2 → H1 → X.

use bytemuck::AnyBitPattern;

use crate::activation::{Activation, Identity, Sigmoid};
use crate::autoencoder::{
    AutoencoderConfig, ReconstructionLoss, ShallowAutoencoder, check_finite, check_workspace,
    output_slice, push_layer, reconstruction_only,
};
use crate::batch::{check_batch, check_input, split_buffer};
use crate::model::{LossParts, Model, ModelKind};
use crate::network::{Architecture, max};
use crate::noise::{Noise, corrupt};
use crate::{DecoderOutput, Error, Network, SeededRng, composite_parameters};

/// Number of layers pretrained greedily, one [`Stage::Pretrain`] each.
pub const STAGES: usize = 3;

const BAD_LAYER: Error =
    Error::InvalidConfig("stacked autoencoder: pretraining layer must be 0, 1 or 2");

/// What a training step of a [`StackedAutoencoder`] optimizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Greedy pretraining of layer `k` (0, 1 or 2) as a one-layer denoising autoencoder of
    /// h_k, the clean code of the layers below (h₀ = x).
    Pretrain(usize),
    /// The whole stack end to end.
    FineTune,
}

impl Stage {
    /// The greedy layer-wise schedule: every layer bottom-up, then fine-tuning.
    pub const SCHEDULE: [Stage; STAGES + 1] = [
        Stage::Pretrain(0),
        Stage::Pretrain(1),
        Stage::Pretrain(2),
        Stage::FineTune,
    ];

    /// [`Error::InvalidConfig`] for a pretraining layer ≥ [`STAGES`].
    pub fn validate(&self) -> Result<(), Error> {
        match *self {
            Stage::Pretrain(layer) if layer >= STAGES => Err(BAD_LAYER),
            _ => Ok(()),
        }
    }
}

/// The stages of greedy layer-wise training in order: `Pretrain(0..STAGES)`, then `FineTune`.
pub fn schedule() -> impl Iterator<Item = Stage> {
    Stage::SCHEDULE.into_iter()
}

/// Hyperparameters of a [`StackedAutoencoder`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StackedConfig {
    /// Which layers are trained, and on what.
    pub stage: Stage,
    /// Loss on the data x: used by `FineTune` and `Pretrain(0)`. The upper layers always
    /// reconstruct codes in (0, 1) with cross-entropy, as in Vincent et al.
    pub loss: ReconstructionLoss,
    /// Corruption of the trained layer's input: x in `FineTune` and `Pretrain(0)`, h_k in
    /// `Pretrain(k)`.
    pub noise: Noise,
}

/// Three sigmoid autoencoder layers X → H1 → H2 → Z, e.g. `StackedAutoencoder<784, 500, 250, 30>`
/// for MNIST.
///
/// Layer k is a [`ShallowAutoencoder`]: encoder h_{k+1} = σ(W_k h_k + b_k), decoder logits
/// ℓ_k = W*_k h_{k+1} + c_k. The whole stack encodes z = h₃ and decodes
/// x̂ = σ(ℓ₀(σ(ℓ₁(σ(ℓ₂(z)))))), i.e. sigmoid between the decoder layers, logits at the end.
///
/// `Pretrain(k)` maps x through the clean encoders below k, corrupts h_k, and trains only layer
/// k's encoder and decoder to reconstruct the clean h_k; `FineTune` trains every layer through
/// the full stack.
///
/// ```
/// use bytemuck::Zeroable;
/// use tinyvae_core::autoencoder::ReconstructionLoss;
/// use tinyvae_core::noise::Noise;
/// use tinyvae_core::stacked::{StackedAutoencoder, StackedConfig, schedule};
/// use tinyvae_core::{Model, Parameters, seeded_rng};
///
/// // The MNIST model of Vincent et al. is StackedAutoencoder<784, 500, 250, 30>
/// // (`MnistStackedAutoencoder`, 1.05 M floats = 4.2 MB: box it with `bytemuck::zeroed_box`).
/// type Sdae = StackedAutoencoder<16, 12, 8, 4>;
/// let mut rng = seeded_rng(1);
/// let mut model = Sdae::zeroed();
/// model.initialize(&mut rng);
/// let mut grads = Sdae::zeroed();
/// let batch = [0.25f32; 16 * 2];
/// let mut workspace = [0.0f32; <Sdae as Model>::WORKSPACE * 2];
/// for stage in schedule() {
///     let config = StackedConfig {
///         stage,
///         loss: ReconstructionLoss::CrossEntropy,
///         noise: Noise::Masking { keep_probability: 0.75 },
///     };
///     grads.fill(0.0);
///     let loss = model.loss_and_gradients(&config, &batch, 2, &mut rng, &mut workspace, &mut grads)?;
///     assert!(loss.total > 0.0);
///     // …an optimizer step on `grads`, many batches per stage.
/// }
/// # Ok::<(), tinyvae_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
#[repr(C)]
pub struct StackedAutoencoder<const X: usize, const H1: usize, const H2: usize, const Z: usize> {
    /// Layer 0: X ↔ H1, pretrained by `Pretrain(0)`.
    pub first: ShallowAutoencoder<X, H1>,
    /// Layer 1: H1 ↔ H2, pretrained by `Pretrain(1)`.
    pub second: ShallowAutoencoder<H1, H2>,
    /// Layer 2: H2 ↔ Z, pretrained by `Pretrain(2)`.
    pub third: ShallowAutoencoder<H2, Z>,
}

composite_parameters!(
    impl[const X: usize, const H1: usize, const H2: usize, const Z: usize]
    for StackedAutoencoder<X, H1, H2, Z> {
        first: ShallowAutoencoder<X, H1>,
        second: ShallowAutoencoder<H1, H2>,
        third: ShallowAutoencoder<H2, Z>,
    }
);

/// The preset of Vincent et al. (2010) sizes for 28×28 images: 784-500-250-30.
pub type MnistStackedAutoencoder = StackedAutoencoder<784, 500, 250, 30>;

impl<const X: usize, const H1: usize, const H2: usize, const Z: usize>
    StackedAutoencoder<X, H1, H2, Z>
{
    /// Widest layer, the size of each of the two gradient buffers of fine-tuning.
    const WIDEST: usize = max(max(X, H1), max(H2, Z));
    /// Fine-tuning: x̃, h1, h2, h3, d2, d1, ℓ, and two gradient buffers.
    const FINE_TUNE_WORKSPACE: usize = 2 * X + 2 * H1 + 2 * H2 + Z + 2 * Self::WIDEST;
    /// Pretraining: the clean h1 and h2, then the workspace of the layer being trained.
    const PRETRAIN_WORKSPACE: usize = H1
        + H2
        + max(
            max(
                <ShallowAutoencoder<X, H1> as Model>::WORKSPACE,
                <ShallowAutoencoder<H1, H2> as Model>::WORKSPACE,
            ),
            <ShallowAutoencoder<H2, Z> as Model>::WORKSPACE,
        );

    /// h1, h2 and z = h3 of the clean `input`.
    fn encode_stack(
        &self,
        input: &[f32],
        h1: &mut [f32],
        h2: &mut [f32],
        h3: &mut [f32],
        batch: usize,
    ) -> Result<(), Error> {
        self.first.encoder.forward(input, h1, batch)?;
        self.second.encoder.forward(h1, h2, batch)?;
        self.third.encoder.forward(h2, h3, batch)
    }

    /// The decoder stack from `code`: d2 = σ(ℓ₂), d1 = σ(ℓ₁) and the final logits ℓ₀.
    fn decode_stack(
        &self,
        code: &[f32],
        d2: &mut [f32],
        d1: &mut [f32],
        logits: &mut [f32],
        batch: usize,
    ) -> Result<(), Error> {
        self.third.decoder.forward(code, d2, batch)?;
        Sigmoid::apply_in_place(d2);
        self.second.decoder.forward(d2, d1, batch)?;
        Sigmoid::apply_in_place(d1);
        self.first.decoder.forward(d1, logits, batch)
    }

    /// Greedy pretraining of layer `layer`: its one-layer DAE loss on the clean code below it.
    #[allow(clippy::too_many_arguments)]
    fn pretrain(
        &self,
        layer: usize,
        config: &StackedConfig,
        input: &[f32],
        batch: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
        grads: Option<&mut Self>,
    ) -> Result<LossParts, Error> {
        check_input(input, X, batch)?;
        check_finite(input)?;
        let (h1, rest) = split_buffer(workspace, H1 * batch)?;
        let (h2, rest) = split_buffer(rest, H2 * batch)?;
        let data_config = AutoencoderConfig {
            loss: config.loss,
            noise: config.noise,
        };
        // Upper layers reconstruct sigmoid codes in (0, 1): Bernoulli cross-entropy.
        let code_config = AutoencoderConfig {
            loss: ReconstructionLoss::CrossEntropy,
            noise: config.noise,
        };
        match layer {
            0 => layer_loss(
                &self.first,
                &data_config,
                input,
                batch,
                rng,
                rest,
                grads.map(|g| &mut g.first),
            ),
            1 => {
                self.first.encoder.forward(input, h1, batch)?;
                layer_loss(
                    &self.second,
                    &code_config,
                    h1,
                    batch,
                    rng,
                    rest,
                    grads.map(|g| &mut g.second),
                )
            }
            2 => {
                self.first.encoder.forward(input, h1, batch)?;
                self.second.encoder.forward(h1, h2, batch)?;
                layer_loss(
                    &self.third,
                    &code_config,
                    h2,
                    batch,
                    rng,
                    rest,
                    grads.map(|g| &mut g.third),
                )
            }
            _ => Err(BAD_LAYER),
        }
    }

    /// The end-to-end loss of the whole stack, and its gradient added into `grads` when given.
    fn fine_tune(
        &self,
        config: &StackedConfig,
        input: &[f32],
        batch: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
        grads: Option<&mut Self>,
    ) -> Result<LossParts, Error> {
        check_input(input, X, batch)?;
        check_finite(input)?;
        let (corrupted, rest) = split_buffer(workspace, X * batch)?;
        let (h1, rest) = split_buffer(rest, H1 * batch)?;
        let (h2, rest) = split_buffer(rest, H2 * batch)?;
        let (h3, rest) = split_buffer(rest, Z * batch)?;
        let (d2, rest) = split_buffer(rest, H2 * batch)?;
        let (d1, rest) = split_buffer(rest, H1 * batch)?;
        let (logits, rest) = split_buffer(rest, X * batch)?;
        let (grad_a, rest) = split_buffer(rest, Self::WIDEST * batch)?;
        let (grad_b, _) = split_buffer(rest, Self::WIDEST * batch)?;

        let encoder_input: &[f32] = if config.noise.is_none() {
            input
        } else {
            corrupt(&config.noise, input, corrupted, rng)?;
            corrupted
        };
        self.encode_stack(encoder_input, h1, h2, h3, batch)?;
        self.decode_stack(h3, d2, d1, logits, batch)?;
        let scale = 1.0 / batch as f32;
        let Some(g) = grads else {
            let total = config.loss.evaluate(logits, input, None, scale)?;
            return reconstruction_only(total, batch);
        };
        let grad_logits = split_buffer(grad_a, X * batch)?.0;
        let total = config
            .loss
            .evaluate(logits, input, Some(&mut *grad_logits), scale)?;
        // Back down the decoders (identity layers with σ applied here), then the encoders,
        // ping-ponging ∂L/∂(layer output) between the two gradient buffers.
        let none: &mut [f32] = &mut [];
        self.first.decoder.backward(
            d1,
            logits,
            grad_a,
            &mut g.first.decoder,
            Some(&mut *grad_b),
            none,
            batch,
        )?;
        Sigmoid::backward_in_place(d1, grad_b);
        self.second.decoder.backward(
            d2,
            d1,
            grad_b,
            &mut g.second.decoder,
            Some(&mut *grad_a),
            none,
            batch,
        )?;
        Sigmoid::backward_in_place(d2, grad_a);
        self.third.decoder.backward(
            h3,
            d2,
            grad_a,
            &mut g.third.decoder,
            Some(&mut *grad_b),
            none,
            batch,
        )?;
        self.third.encoder.backward(
            h2,
            h3,
            grad_b,
            &mut g.third.encoder,
            Some(&mut *grad_a),
            none,
            batch,
        )?;
        self.second.encoder.backward(
            h1,
            h2,
            grad_a,
            &mut g.second.encoder,
            Some(&mut *grad_b),
            none,
            batch,
        )?;
        self.first.encoder.backward(
            encoder_input,
            h1,
            grad_b,
            &mut g.first.encoder,
            None,
            none,
            batch,
        )?;
        reconstruction_only(total, batch)
    }
}

impl<const X: usize, const H1: usize, const H2: usize, const Z: usize> Model
    for StackedAutoencoder<X, H1, H2, Z>
{
    type Config = StackedConfig;
    const KIND: ModelKind = ModelKind::StackedAutoencoder;
    const INPUTS: usize = X;
    const LATENT: usize = Z;
    /// The larger of fine-tuning's 2X + 2H1 + 2H2 + Z + 2·max(X, H1, H2, Z) and pretraining's
    /// H1 + H2 + the largest layer's [`ShallowAutoencoder`] workspace.
    const WORKSPACE: usize = max(Self::FINE_TUNE_WORKSPACE, Self::PRETRAIN_WORKSPACE);
    /// h1, h2 and h3 of [`Model::reconstruct`], H1 + H2 + Z floats per sample: the decoders
    /// then write d2 over h2 and d1 over h1, which the encoders no longer need.
    const INFERENCE_WORKSPACE: usize = H1 + H2 + Z;

    /// Six layers in storage order (layer by layer, encoder then decoder): X→H1 σ, H1→X
    /// identity (the final logits), H1→H2 σ, H2→H1 σ, H2→Z σ, Z→H2 σ. The inner decoders are
    /// recorded with the σ the full stack applies to their logits.
    fn describe(architecture: &mut Architecture) -> Result<(), Error> {
        push_layer(architecture, X, H1, Sigmoid::CODE)?;
        push_layer(architecture, H1, X, Identity::CODE)?;
        push_layer(architecture, H1, H2, Sigmoid::CODE)?;
        push_layer(architecture, H2, H1, Sigmoid::CODE)?;
        push_layer(architecture, H2, Z, Sigmoid::CODE)?;
        push_layer(architecture, Z, H2, Sigmoid::CODE)
    }

    /// The loss of the configured stage, and its gradient added into `grads` when given.
    fn compute_loss(
        &self,
        config: &Self::Config,
        input: &[f32],
        batch: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
        grads: Option<&mut Self>,
    ) -> Result<LossParts, Error> {
        config.stage.validate()?;
        config.noise.validate()?;
        check_workspace(workspace, <Self as Model>::WORKSPACE, batch)?;
        match config.stage {
            Stage::Pretrain(layer) => {
                self.pretrain(layer, config, input, batch, rng, workspace, grads)
            }
            Stage::FineTune => self.fine_tune(config, input, batch, rng, workspace, grads),
        }
    }

    /// z = h₃ through the three encoders.
    fn encode(
        &self,
        input: &[f32],
        code: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        check_batch(workspace, Self::INFERENCE_WORKSPACE, input, X, batch)?;
        let code = output_slice(code, Z * batch)?;
        let (h1, rest) = split_buffer(workspace, H1 * batch)?;
        let (h2, _) = split_buffer(rest, H2 * batch)?;
        self.encode_stack(input, h1, h2, code, batch)
    }

    /// x̂ = σ(ℓ₀) through the three decoders.
    fn decode(
        &self,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.decode_as(DecoderOutput::Sigmoid, code, output, batch, workspace)
    }

    /// x̂ = σ(ℓ₀) of the clean code.
    fn reconstruct(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.reconstruct_as(DecoderOutput::Sigmoid, input, output, batch, workspace)
    }

    /// x̂ = σ(ℓ₀), or ℓ₀ itself for a linear-output loss.
    fn decode_with(
        &self,
        config: &StackedConfig,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.decode_as(config.loss.output(), code, output, batch, workspace)
    }

    /// x̂ = σ(ℓ₀) of the clean code, or ℓ₀ itself for a linear-output loss.
    fn reconstruct_with(
        &self,
        config: &StackedConfig,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.reconstruct_as(config.loss.output(), input, output, batch, workspace)
    }
}

impl<const X: usize, const H1: usize, const H2: usize, const Z: usize>
    StackedAutoencoder<X, H1, H2, Z>
{
    /// ℓ₀ through the three decoders, mapped by `map` into `output`.
    fn decode_as(
        &self,
        map: DecoderOutput,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        check_batch(workspace, Self::INFERENCE_WORKSPACE, code, Z, batch)?;
        let output = output_slice(output, X * batch)?;
        let (d2, rest) = split_buffer(workspace, H2 * batch)?;
        let (d1, _) = split_buffer(rest, H1 * batch)?;
        self.decode_stack(code, d2, d1, output, batch)?;
        map.apply_in_place(output);
        Ok(())
    }

    /// ℓ₀ of the clean code, mapped by `map` into `output`.
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
        let (h1, rest) = split_buffer(workspace, H1 * batch)?;
        let (h2, rest) = split_buffer(rest, H2 * batch)?;
        let (h3, _) = split_buffer(rest, Z * batch)?;
        self.encode_stack(input, h1, h2, h3, batch)?;
        // d2 over h2 and d1 over h1: the decoders read only h3 and each other's outputs.
        self.decode_stack(h3, h2, h1, output, batch)?;
        map.apply_in_place(output);
        Ok(())
    }
}

/// One layer's denoising-autoencoder loss on `code`, its gradient added into `grads` when given.
fn layer_loss<const I: usize, const O: usize>(
    layer: &ShallowAutoencoder<I, O>,
    config: &AutoencoderConfig,
    code: &[f32],
    batch: usize,
    rng: &mut SeededRng,
    workspace: &mut [f32],
    grads: Option<&mut ShallowAutoencoder<I, O>>,
) -> Result<LossParts, Error> {
    match grads {
        Some(grads) => layer.loss_and_gradients(config, code, batch, rng, workspace, grads),
        None => layer.loss(config, code, batch, rng, workspace),
    }
}

#[cfg(test)]
mod tests;
