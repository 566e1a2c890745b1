//! What every trainable model offers the trainer, the evaluator and the weight format.

use bytemuck::AnyBitPattern;

use crate::network::Architecture;
use crate::{Error, Parameters, SeededRng};

/// Which family a model belongs to, as recorded in weight headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ModelKind {
    /// Encoder and decoder networks with separate weights.
    Autoencoder = 1,
    /// One weight matrix W used by the encoder and, transposed, by the decoder.
    TiedAutoencoder = 2,
    /// Denoising autoencoders stacked layer by layer.
    StackedAutoencoder = 3,
    /// Variational autoencoder with a diagonal Gaussian encoder.
    Vae = 4,
}

/// Per-sample means of a loss over a batch and of its parts.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LossParts {
    /// The loss minimized: reconstruction + β·KL for a VAE, reconstruction otherwise.
    pub total: f32,
    /// The reconstruction term (negative log-likelihood, cross-entropy or squared error).
    pub reconstruction: f32,
    /// KL(q(z|x) ‖ p(z)), unweighted; 0 for models without a latent distribution.
    pub kl: f32,
}

/// A model the trainer can fit: parameters, a loss with gradients, and its encoder and decoder.
///
/// Batches are column-major, one sample of `INPUTS` features per column (see [`crate::batch`]).
/// Every method takes a caller-owned `workspace` of at least `WORKSPACE`·batch floats.
pub trait Model: Parameters + AnyBitPattern {
    /// Hyperparameters that are not weights: loss kind, noise, β, stage…
    type Config: Copy + core::fmt::Debug;
    /// The family recorded in weight headers.
    const KIND: ModelKind;
    /// Features per input sample.
    const INPUTS: usize;
    /// Features of the code (the latent mean for a VAE).
    const LATENT: usize;
    /// Floats of workspace per sample needed by every method below.
    const WORKSPACE: usize;

    /// Appends the model's layers, in storage order, to `architecture`.
    fn describe(architecture: &mut Architecture) -> Result<(), Error>;

    /// The batch-mean loss and, when `grads` is given, its gradient added into it. Randomness
    /// (noise, ε) is drawn from `rng`. The one loss routine of a model: [`Model::loss`] and
    /// [`Model::loss_and_gradients`] call it.
    fn compute_loss(
        &self,
        config: &Self::Config,
        input: &[f32],
        batch: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
        grads: Option<&mut Self>,
    ) -> Result<LossParts, Error>;

    /// The batch-mean loss and, added into `grads`, its gradient.
    fn loss_and_gradients(
        &self,
        config: &Self::Config,
        input: &[f32],
        batch: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
        grads: &mut Self,
    ) -> Result<LossParts, Error> {
        self.compute_loss(config, input, batch, rng, workspace, Some(grads))
    }

    /// The batch-mean loss without gradients.
    fn loss(
        &self,
        config: &Self::Config,
        input: &[f32],
        batch: usize,
        rng: &mut SeededRng,
        workspace: &mut [f32],
    ) -> Result<LossParts, Error> {
        self.compute_loss(config, input, batch, rng, workspace, None)
    }

    /// The code of each sample (h(x), or μ(x) for a VAE): LATENT×batch into `code`.
    fn encode(
        &self,
        input: &[f32],
        code: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error>;

    /// Decodes codes into the data space (probabilities or means in [0, 1] for image models):
    /// INPUTS×batch into `output`.
    fn decode(
        &self,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error>;

    /// decode(encode(x)) of the clean input, without noise or sampling.
    fn reconstruct(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error>;

    /// [`Model::decode`] as `config`'s loss or likelihood reads the decoder: x̂ = σ(ℓ) for the
    /// ones made for data in [0, 1] (what [`Model::decode`] gives), x̂ = ℓ for those on a
    /// linear output ([`crate::DecoderOutput`]). The default ignores `config`.
    fn decode_with(
        &self,
        config: &Self::Config,
        code: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        let _ = config;
        self.decode(code, output, batch, workspace)
    }

    /// [`Model::reconstruct`] as `config`'s loss or likelihood reads the decoder, as in
    /// [`Model::decode_with`]. The default ignores `config`.
    fn reconstruct_with(
        &self,
        config: &Self::Config,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        workspace: &mut [f32],
    ) -> Result<(), Error> {
        let _ = config;
        self.reconstruct(input, output, batch, workspace)
    }
}
