//! What every trainable model offers the trainer, the evaluator and the weight format.

use bytemuck::AnyBitPattern;

use crate::network::Architecture;
use crate::{Error, Parameters, SeededRng};

/// The first kind code, and the first activation code ([`crate::Activation::CODE`]), left to
/// user-defined families and activations: codes `FIRST_USER_CODE..=255` are never given to a
/// kind or an activation of this crate, so a blob of a user's own model cannot be read as one
/// of the core's, by this version or a later one.
pub const FIRST_USER_CODE: u8 = 128;

/// Which family a model belongs to, as recorded in weight headers by its code
/// ([`ModelKind::code`]).
///
/// Codes 1 to 4 are the core's families and `0` and `5..FIRST_USER_CODE` are reserved for
/// more of them; [`ModelKind::User`] carries a code of a user's own family, from
/// [`FIRST_USER_CODE`] to 255. A model whose `KIND` is a `User` code below that range fails
/// to compile where its weights are saved or viewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelKind {
    /// Encoder and decoder networks with separate weights (code 1).
    Autoencoder,
    /// One weight matrix W used by the encoder and, transposed, by the decoder (code 2).
    TiedAutoencoder,
    /// Denoising autoencoders stacked layer by layer (code 3).
    StackedAutoencoder,
    /// Variational autoencoder with a diagonal Gaussian encoder (code 4).
    Vae,
    /// A family defined outside this crate, by its code in `FIRST_USER_CODE..=255`.
    User(u8),
}

impl ModelKind {
    /// The code written in weight headers.
    pub const fn code(self) -> u8 {
        match self {
            Self::Autoencoder => 1,
            Self::TiedAutoencoder => 2,
            Self::StackedAutoencoder => 3,
            Self::Vae => 4,
            Self::User(code) => code,
        }
    }

    /// The kind a header's code names: one of the core's, or [`ModelKind::User`] for a code in
    /// the user range; `None` for a reserved code this build does not know.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Autoencoder),
            2 => Some(Self::TiedAutoencoder),
            3 => Some(Self::StackedAutoencoder),
            4 => Some(Self::Vae),
            FIRST_USER_CODE..=u8::MAX => Some(Self::User(code)),
            _ => None,
        }
    }

    /// Whether the kind's code is its own: always for the core's kinds, and for a
    /// [`ModelKind::User`] code in `FIRST_USER_CODE..=255`.
    pub const fn is_valid(self) -> bool {
        match self {
            Self::User(code) => code >= FIRST_USER_CODE,
            _ => true,
        }
    }
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
/// Every method takes a caller-owned `workspace`: the losses at least `WORKSPACE`·batch floats,
/// the inference methods ([`Model::encode`], [`Model::decode`], [`Model::reconstruct`] and
/// their `_with` forms) at least `INFERENCE_WORKSPACE`·batch, which is less.
pub trait Model: Parameters + AnyBitPattern {
    /// Hyperparameters that are not weights: loss kind, noise, β, stage…
    type Config: Copy + core::fmt::Debug;
    /// The family recorded in weight headers: a [`ModelKind::User`] code for a family of one's
    /// own.
    const KIND: ModelKind;
    /// Features per input sample.
    const INPUTS: usize;
    /// Features of the code (the latent mean for a VAE).
    const LATENT: usize;
    /// Floats of workspace per sample needed by every method below: the training workspace.
    const WORKSPACE: usize;
    /// Floats of workspace per sample that the inference methods need (encode, decode,
    /// reconstruct and their `_with` forms): activations of a forward pass, nothing kept for
    /// a backward one. At most [`Model::WORKSPACE`], which it defaults to; each family of the
    /// core states its own. A workspace shorter than `INFERENCE_WORKSPACE`·batch is
    /// [`Error::BufferTooSmall`].
    const INFERENCE_WORKSPACE: usize = Self::WORKSPACE;
    /// Whether any layer is a convolution ([`crate::Network::CONVOLUTIONAL`]): the weight
    /// format then records the layers in its wide table.
    const CONVOLUTIONAL: bool = false;

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
