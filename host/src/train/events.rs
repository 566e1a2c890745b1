//! What a training run reports, and what its driver may ask of it.
//!
//! Training never touches the terminal: the worker sends [`TrainingEvent`]s over a channel and
//! takes [`Command`]s from one. The dashboard and the headless renderer consume the same stream.

use std::path::PathBuf;

use serde::Serialize;
pub use tinyvae_core::LossParts;
use tinyvae_core::autoencoder::ReconstructionLoss;
use tinyvae_core::noise::Noise;
use tinyvae_core::vae::Likelihood;

use super::config::OptimizerChoice;
use super::detection::DetectionReport;

/// A grey-scale image with pixels in [0, 1], row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `width × height` intensities in [0, 1].
    pub pixels: Vec<f32>,
}

/// Fixed facts of a run, sent once when it starts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunInfo {
    /// Preset name, e.g. `vae-mnist-2d`.
    pub preset: String,
    /// Layer sizes and activations, e.g. `784-400(relu)-2 | 2-400(relu)-784`.
    pub architecture: String,
    /// Dataset name and split sizes.
    pub dataset: String,
    /// Seed of the run.
    pub seed: u64,
    /// Whether the model has a latent distribution (samples, latent scatter, KL).
    pub is_variational: bool,
    /// Whether inputs are corrupted before encoding (denoising).
    pub is_denoising: bool,
    /// Size of the code.
    pub latent_size: usize,
    /// Image width of the data.
    pub image_width: usize,
    /// Image height of the data.
    pub image_height: usize,
    /// Training samples per epoch.
    pub train_samples: usize,
    /// Samples per batch.
    pub batch_size: usize,
    /// Epochs planned.
    pub epochs: usize,
    /// Optimizer steps planned in all.
    pub total_steps: u64,
    /// Hyperparameters in force when the run starts.
    pub hyperparameters: Vec<Hyperparameter>,
    /// The classes a detector's run learns as normal (`--normal-class`), when its test set
    /// is judged against them at every epoch's end ([`TrainingEvent::Detection`]).
    pub normal_classes: Option<Vec<u8>>,
}

/// A setting of the run and its value. The JSON lines write it as
/// `{"name": "learning_rate", "value": 0.001}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "name", content = "value", rename_all = "snake_case")]
pub enum Hyperparameter {
    /// The optimizer.
    Optimizer(OptimizerChoice),
    /// The step size in force.
    LearningRate(f32),
    /// Samples per step.
    BatchSize(usize),
    /// Epochs of the whole schedule.
    Epochs(usize),
    /// Target weight of the KL term (variational models).
    Beta(f32),
    /// Steps over which β rises from 0 (variational models).
    KlWarmupSteps(u64),
    /// Corruption of the inputs (denoising models).
    Noise(Noise),
    /// How an autoencoder scores its reconstruction, when not cross-entropy.
    Loss(ReconstructionLoss),
    /// The decoder's observation model of a VAE, when not Bernoulli.
    Likelihood(Likelihood),
    /// Epochs of greedy pretraining per layer (stacked models).
    PretrainEpochsPerLayer(usize),
    /// Global norm gradients are clipped to.
    ClipNorm(f32),
}

impl Hyperparameter {
    /// Whether `self` and `other` are values of the same setting.
    pub fn same_setting(&self, other: &Hyperparameter) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// A file a run writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Artifact {
    /// The checkpoint: model, optimizer state, generator state and position.
    Checkpoint,
    /// The device weight blob.
    DeviceWeights,
}

/// One optimizer step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepReport {
    /// Steps done so far, this one included.
    pub step: u64,
    /// Epoch being trained, from 1.
    pub epoch: usize,
    /// Per-sample loss, averaged over the steps since the last report.
    pub loss: LossParts,
    /// Training throughput, averaged over recent steps.
    pub samples_per_second: f32,
    /// Learning rate in force.
    pub learning_rate: f32,
    /// KL weight in force (after warm-up), 0 for plain autoencoders.
    pub beta: f32,
}

/// The end of an epoch.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct EpochReport {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch.
    pub train: LossParts,
    /// Loss on the test set.
    pub test: LossParts,
}

/// A point of the latent scatter: a test sample's code in two dimensions and its label.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatentPoint {
    /// First coordinate.
    pub x: f32,
    /// Second coordinate.
    pub y: f32,
    /// Its label (the digit, 0–9, for the shipped sets), if the data has labels.
    pub label: Option<u8>,
}

/// Pictures of what the model does now, sent at a capped rate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Step at which it was taken.
    pub step: u64,
    /// Index in the test set of the first digit shown.
    pub first_index: usize,
    /// Test digits.
    pub originals: Vec<Image>,
    /// Their corrupted versions, for denoising models.
    pub corrupted: Vec<Image>,
    /// Their reconstructions.
    pub reconstructions: Vec<Image>,
    /// Decoded draws from the prior (variational models).
    pub samples: Vec<Image>,
    /// Test codes in two dimensions (variational models).
    pub latent: Vec<LatentPoint>,
    /// How the latent was projected: `z1/z2` or `PC1/PC2`.
    pub latent_axes: String,
    /// Decoded grid over a 2-D latent, row-major, `manifold_size` per side.
    pub manifold: Vec<Image>,
    /// Images per side of the manifold grid (0 when there is none).
    pub manifold_size: usize,
    /// Decoded points on the segment between the codes of the first and the last test digit
    /// shown, endpoints included (they are those digits' reconstructions).
    pub interpolation: Vec<Image>,
    /// PCA reconstructions of the test digits with as many components as the code has: the
    /// linear baseline beside the model's (empty when no baseline was fitted).
    pub pca_reconstructions: Vec<Image>,
    /// Mean Σ(x̂ − x)² of the model's reconstructions of the digits shown.
    pub model_squared_error: f32,
    /// Mean Σ(x̂ − x)² of the PCA reconstructions of the same digits (NaN without a baseline).
    pub pca_squared_error: f32,
}

/// Where the run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Steps are being taken.
    Training,
    /// Waiting for a resume.
    Paused,
    /// All epochs done.
    Done,
    /// Stopped before the end (asked to, or by an error).
    Stopped,
}

/// Everything a run reports. Serialized, it is one line of the JSON-lines metrics, tagged by
/// `"event"`; snapshots are pictures for the dashboard and are not serialized.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TrainingEvent {
    /// The run starts.
    #[serde(rename = "start")]
    Started(RunInfo),
    /// Optimizer steps were taken (one report per step or per interval).
    Step(StepReport),
    /// An epoch ended and the test set was evaluated.
    Epoch(EpochReport),
    /// A detector's run judged its model on the test set after an epoch.
    Detection(DetectionReport),
    /// Fresh pictures.
    #[serde(skip)]
    Snapshot(Box<Snapshot>),
    /// The run changed state.
    State {
        /// The new state.
        state: RunState,
    },
    /// A hyperparameter changed.
    Hyperparameter(Hyperparameter),
    /// A file was written.
    Saved {
        /// What was written.
        artifact: Artifact,
        /// Where.
        path: PathBuf,
    },
    /// A file could not be written; the previous one at `path`, if any, is intact.
    SaveFailed {
        /// What was to be written.
        artifact: Artifact,
        /// Where.
        path: PathBuf,
        /// Why it failed.
        error: String,
    },
    /// Something went wrong without ending the run (e.g. the pictures could not be drawn).
    Warning {
        /// What happened.
        message: String,
    },
    /// The run ended with an error; the model was left as it was before the failing step.
    Failed {
        /// The error.
        error: String,
    },
}

impl TrainingEvent {
    /// The event for a change to `state`.
    pub fn state(state: RunState) -> Self {
        Self::State { state }
    }
}

/// What the driver (dashboard, signal handler) may ask of a running training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Command {
    /// Pause if training, resume if paused.
    TogglePause,
    /// Multiply the learning rate by this factor.
    ScaleLearningRate(f32),
    /// Multiply β by this factor (variational models).
    ScaleBeta(f32),
    /// Write a checkpoint now.
    SaveCheckpoint,
    /// Write the device weight blob now.
    ExportWeights,
    /// Draw new samples from the prior.
    Resample,
    /// Move the digits shown by this many positions in the test set.
    MoveDigits(isize),
    /// Stop, saving a checkpoint first when `save` is set.
    Stop {
        /// Save a checkpoint before stopping.
        save: bool,
    },
}
