//! The autoencoder: an encoder network h = f(x), a decoder network x̂ = g(h), both trained to
//! reconstruct x (Rumelhart et al. 1986; denoising variant: Vincent et al. 2008).
//!
//! The decoder's last layer outputs ℓ. Cross-entropy and squared error on x̂ = σ(ℓ) are for
//! data in [0, 1] (pixel intensities, binary features); squared error on the linear output
//! x̂ = ℓ is for real-valued data (see [`ReconstructionLoss`]). With [`Noise`] other than
//! [`Noise::None`] the model is a *denoising* autoencoder: the encoder sees a corrupted x̃ and
//! the loss still compares the reconstruction with the clean x.

use bytemuck::AnyBitPattern;

use crate::activation::{Identity, Relu, Sigmoid, sigmoid};
use crate::batch::{check_batch, check_input, split_buffer};
use crate::loss::{binary_cross_entropy_with_logits, finite, per_sample, squared_error};
use crate::model::{LossParts, Model, ModelKind};
use crate::network::{Architecture, LayerShape, max, push_shape};
use crate::noise::{Noise, corrupt};
use crate::{Chain, DecoderOutput, Dense, Error, Network, SeededRng, composite_parameters};

/// How the decoder's output ℓ is compared with the clean input x, per sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReconstructionLoss {
    /// Bernoulli negative log-likelihood Σᵢ −xᵢ ln x̂ᵢ − (1−xᵢ) ln(1−x̂ᵢ), computed from the logits
    /// as Σᵢ max(ℓᵢ, 0) − ℓᵢxᵢ + ln(1 + e^(−|ℓᵢ|)); ∂/∂ℓᵢ = σ(ℓᵢ) − xᵢ.
    #[default]
    CrossEntropy,
    /// Squared error Σᵢ (x̂ᵢ − xᵢ)² on x̂ = σ(ℓ); ∂/∂ℓᵢ = 2(x̂ᵢ − xᵢ)·x̂ᵢ(1 − x̂ᵢ). For data in
    /// [0, 1]: σ(ℓ) cannot reach values outside it.
    SquaredError,
    /// Squared error Σᵢ (ℓᵢ − xᵢ)² on the linear output x̂ = ℓ; ∂/∂ℓᵢ = 2(ℓᵢ − xᵢ). For
    /// real-valued data (e.g. standardized features).
    LinearSquaredError,
}

impl ReconstructionLoss {
    /// How the loss reads the decoder: σ(ℓ), or ℓ for [`ReconstructionLoss::LinearSquaredError`].
    pub fn output(&self) -> DecoderOutput {
        match self {
            Self::CrossEntropy | Self::SquaredError => DecoderOutput::Sigmoid,
            Self::LinearSquaredError => DecoderOutput::Linear,
        }
    }

    /// Whether the data must lie in [0, 1]: cross-entropy is a likelihood only there, and
    /// σ(ℓ) cannot fit anything outside it.
    pub fn needs_unit_interval(&self) -> bool {
        self.output().is_unit_interval()
    }

    /// The loss of the logits ℓ against `targets` x, summed over every float, and, when `grad`
    /// is given, `scale`·∂loss/∂ℓ written into it (all three of one length).
    pub fn evaluate(
        &self,
        logits: &[f32],
        targets: &[f32],
        grad: Option<&mut [f32]>,
        scale: f32,
    ) -> Result<f32, Error> {
        match self {
            Self::CrossEntropy => binary_cross_entropy_with_logits(logits, targets, grad, scale),
            Self::SquaredError => {
                check_input(targets, logits.len(), 1)?;
                let mut total = 0.0;
                for (&l, &x) in logits.iter().zip(targets) {
                    let error = sigmoid(l) - x;
                    total += error * error;
                }
                if let Some(grad) = grad {
                    check_input(grad, logits.len(), 1)?;
                    for ((g, &l), &x) in grad.iter_mut().zip(logits).zip(targets) {
                        let p = sigmoid(l);
                        *g = scale * 2.0 * (p - x) * p * (1.0 - p);
                    }
                }
                finite(total)
            }
            Self::LinearSquaredError => squared_error(logits, targets, grad, scale),
        }
    }
}

/// Hyperparameters of an [`Autoencoder`] or a [`crate::tied::TiedAutoencoder`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AutoencoderConfig {
    /// How the reconstruction is scored.
    pub loss: ReconstructionLoss,
    /// Corruption of the input; anything but [`Noise::None`] makes a denoising autoencoder.
    /// `loss` and `loss_and_gradients` both corrupt (drawing from their generator); score the
    /// clean reconstruction with [`Noise::None`].
    pub noise: Noise,
}

/// An encoder `E` (X → Z) and a decoder `D` (Z → X) with separate weights:
/// h = E(x̃), x̂ = σ(D(h)) (or D(h) on a linear output), loss L(x̂, x) with x̃ = x or a
/// corruption of it.
///
/// The shapes must mirror (D::INPUTS = E::OUTPUTS, D::OUTPUTS = E::INPUTS); a mismatch fails to
/// compile on first use. The code is E's output, so give E's last layer the activation the
/// code should have (σ for a classic autoencoder, identity for a linear code).
#[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
#[repr(C)]
pub struct Autoencoder<E, D> {
    /// The encoder h = E(x).
    pub encoder: E,
    /// The decoder, producing ℓ = D(h): the logits of the reconstruction x̂ = σ(ℓ), or x̂ = ℓ
    /// itself under [`ReconstructionLoss::LinearSquaredError`].
    pub decoder: D,
}

composite_parameters!(impl[E: Network, D: Network] for Autoencoder<E, D> { encoder: E, decoder: D });

/// The one-hidden-layer autoencoder of the textbooks (Goodfellow et al. 2016, ch. 14):
/// h(x) = σ(b + Wx) with W of shape H×X, and x̂ = σ(c + W*h) with W* of shape X×H.
pub type ShallowAutoencoder<const X: usize, const H: usize> =
    Autoencoder<Dense<X, H, Sigmoid>, Dense<H, X>>;

/// A deep autoencoder with a linear code (Hinton & Salakhutdinov 2006, with ReLU):
/// h = W₂ relu(W₁x + b₁) + b₂ (X → H → Z), x̂ = σ(W₄ relu(W₃h + b₃) + b₄) (Z → H → X).
pub type DeepAutoencoder<const X: usize, const H: usize, const Z: usize> = Autoencoder<
    Chain<Dense<X, H, Relu>, Dense<H, Z, Identity>>,
    Chain<Dense<Z, H, Relu>, Dense<H, X, Identity>>,
>;

impl<E: Network, D: Network> Autoencoder<E, D> {
    /// Evaluated (and so checked at compile time) by every use of the model.
    const SHAPES_AGREE: () = assert!(
        D::OUTPUTS == E::INPUTS && D::INPUTS == E::OUTPUTS,
        "Autoencoder: the decoder must map the encoder's outputs back to its inputs"
    );

    /// Floats per sample: corrupted input, both networks' activations, ∂L/∂ℓ, ∂L/∂h and the
    /// networks' scratch.
    const WORKSPACE_PER_SAMPLE: usize = E::INPUTS
        + E::ACTIVATIONS
        + D::ACTIVATIONS
        + E::INPUTS
        + E::OUTPUTS
        + max(E::SCRATCH, D::SCRATCH);

    /// Multiply-accumulates of one reconstruction, encoder and decoder (see
    /// [`Network::MACS`]).
    pub const RECONSTRUCTION_MACS: usize = E::MACS + D::MACS;
}

impl<E: Network, D: Network> Model for Autoencoder<E, D> {
    type Config = AutoencoderConfig;
    const KIND: ModelKind = ModelKind::Autoencoder;
    const INPUTS: usize = E::INPUTS;
    const LATENT: usize = E::OUTPUTS;
    const CONVOLUTIONAL: bool = E::CONVOLUTIONAL || D::CONVOLUTIONAL;
    /// Corrupted input, both networks' activations, ∂L/∂ℓ, ∂L/∂h and the networks' scratch.
    const WORKSPACE: usize = Self::WORKSPACE_PER_SAMPLE;
    /// The encoder's activations and the decoder's, E::ACTIVATIONS + D::ACTIVATIONS: what
    /// [`Model::reconstruct`] runs through ([`Model::encode`] uses the first part,
    /// [`Model::decode`] the second's length).
    const INFERENCE_WORKSPACE: usize = E::ACTIVATIONS + D::ACTIVATIONS;

    /// The encoder's layers, then the decoder's.
    fn describe(architecture: &mut Architecture) -> Result<(), Error> {
        E::describe(architecture)?;
        D::describe(architecture)
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
        let () = Self::SHAPES_AGREE;
        config.noise.validate()?;
        check_batch(
            workspace,
            Self::WORKSPACE_PER_SAMPLE,
            input,
            E::INPUTS,
            batch,
        )?;
        let (corrupted, rest) = split_buffer(workspace, E::INPUTS * batch)?;
        let (encoder_activations, rest) = split_buffer(rest, E::ACTIVATIONS * batch)?;
        let (decoder_activations, rest) = split_buffer(rest, D::ACTIVATIONS * batch)?;
        let (grad_logits, rest) = split_buffer(rest, E::INPUTS * batch)?;
        let (grad_code, scratch) = split_buffer(rest, E::OUTPUTS * batch)?;

        let encoder_input: &[f32] = if config.noise.is_none() {
            input
        } else {
            corrupt(&config.noise, input, corrupted, rng)?;
            corrupted
        };
        self.encoder
            .forward(encoder_input, encoder_activations, batch)?;
        let code = E::output(encoder_activations, batch)?;
        self.decoder.forward(code, decoder_activations, batch)?;
        let logits = D::output(decoder_activations, batch)?;
        // Gradients of the batch mean.
        let scale = 1.0 / batch as f32;
        let Some(grads) = grads else {
            let total = config.loss.evaluate(logits, input, None, scale)?;
            return reconstruction_only(total, batch);
        };
        let total = config
            .loss
            .evaluate(logits, input, Some(&mut *grad_logits), scale)?;
        self.decoder.backward(
            code,
            decoder_activations,
            grad_logits,
            &mut grads.decoder,
            Some(&mut *grad_code),
            scratch,
            batch,
        )?;
        self.encoder.backward(
            encoder_input,
            encoder_activations,
            grad_code,
            &mut grads.encoder,
            None,
            scratch,
            batch,
        )?;
        reconstruction_only(total, batch)
    }

    fn encode(
        &self,
        input: &[f32],
        code: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        let () = Self::SHAPES_AGREE;
        check_batch(
            workspace,
            Self::INFERENCE_WORKSPACE,
            input,
            E::INPUTS,
            batch,
        )?;
        let code = output_slice(code, E::OUTPUTS * batch)?;
        let (activations, _) = split_buffer(workspace, E::ACTIVATIONS * batch)?;
        self.encoder.forward(input, activations, batch)?;
        code.copy_from_slice(E::output(activations, batch)?);
        Ok(())
    }

    /// x̂ = σ(D(h)).
    fn decode(
        &self,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.decode_as(DecoderOutput::Sigmoid, code, output, batch, workspace)
    }

    /// x̂ = σ(D(E(x))).
    fn reconstruct(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        self.reconstruct_as(DecoderOutput::Sigmoid, input, output, batch, workspace)
    }

    /// x̂ = σ(D(h)), or D(h) itself for [`ReconstructionLoss::LinearSquaredError`].
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

    /// x̂ = σ(D(E(x))), or D(E(x)) itself for [`ReconstructionLoss::LinearSquaredError`].
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

impl<E: Network, D: Network> Autoencoder<E, D> {
    /// The decoder's output ℓ = D(h) mapped by `map` into `output`.
    fn decode_as(
        &self,
        map: DecoderOutput,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        let () = Self::SHAPES_AGREE;
        check_batch(workspace, Self::INFERENCE_WORKSPACE, code, D::INPUTS, batch)?;
        let output = output_slice(output, D::OUTPUTS * batch)?;
        let (activations, _) = split_buffer(workspace, D::ACTIVATIONS * batch)?;
        self.decoder.forward(code, activations, batch)?;
        map.write(D::output(activations, batch)?, output);
        Ok(())
    }

    /// ℓ = D(E(x)) mapped by `map` into `output`.
    fn reconstruct_as(
        &self,
        map: DecoderOutput,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        let () = Self::SHAPES_AGREE;
        check_batch(
            workspace,
            Self::INFERENCE_WORKSPACE,
            input,
            E::INPUTS,
            batch,
        )?;
        let output = output_slice(output, D::OUTPUTS * batch)?;
        let (encoder_activations, rest) = split_buffer(workspace, E::ACTIVATIONS * batch)?;
        let (decoder_activations, _) = split_buffer(rest, D::ACTIVATIONS * batch)?;
        self.encoder.forward(input, encoder_activations, batch)?;
        let code = E::output(encoder_activations, batch)?;
        self.decoder.forward(code, decoder_activations, batch)?;
        map.write(D::output(decoder_activations, batch)?, output);
        Ok(())
    }
}

/// [`LossParts`] of a model whose loss is its reconstruction term, from the batch sum.
pub(crate) fn reconstruction_only(total: f32, batch: usize) -> Result<LossParts, Error> {
    let mean = per_sample(total, batch)?;
    Ok(LossParts {
        total: mean,
        reconstruction: mean,
        kl: 0.0,
    })
}

pub(crate) use crate::batch::check_workspace;

pub(crate) use crate::batch::check_finite;

/// The first `len` floats of a caller's output buffer, or how many were missing.
pub(crate) fn output_slice(output: &mut [f32], len: usize) -> Result<&mut [f32], Error> {
    let found = output.len();
    output
        .get_mut(..len)
        .ok_or(Error::BufferTooSmall { needed: len, found })
}

/// Appends a dense layer of `inputs` → `outputs` with activation code `activation`.
pub(crate) fn push_layer(
    architecture: &mut Architecture,
    inputs: usize,
    outputs: usize,
    activation: u8,
) -> Result<(), Error> {
    let layer = LayerShape {
        inputs: inputs as u32,
        outputs: outputs as u32,
        activation,
        conv: None,
    };
    push_shape(architecture, layer)
}

#[cfg(test)]
pub(crate) mod tests;
