//! Checkpoints: model, optimizer state, generator state, position and the data trained on, in
//! one file.
//!
//! Layout: the magic `TVAECKPT`, the format version as a little-endian `u16`, the postcard
//! body, in version 4 the postcard [`DetectorRecord`] after it, and a CRC-32 of everything
//! before it. The version is read before anything else, so a
//! file of another version is reported as such rather than as damaged. The weights and each
//! optimizer moment are blobs of the core's weight format (header, architecture, CRC), so a
//! checkpoint of one preset never loads into another. Files are written atomically.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tinyvae_core::autoencoder::ReconstructionLoss;
use tinyvae_core::noise::Noise;
use tinyvae_core::rng::SeededRng;
use tinyvae_core::vae::{GaussianVariance, Likelihood};
use tinyvae_core::weights;

use crate::anomaly::DetectorRecord;
use crate::atomic_file::write_atomically;
use crate::data::DataRecord;
use crate::train::config::{OptimizerChoice, TrainConfig};
use crate::train::events::EpochReport;
use crate::train::model::TrainableModel;
use crate::train::optimizer::OptimizerState;
use crate::train::trainer::{Position, SavedRun, Trainer};

const MAGIC: [u8; 8] = *b"TVAECKPT";
/// The largest checkpoint file read: 1 GiB, far above any model the tool trains (vae-mnist's
/// is 7.6 MB).
pub const MAX_CHECKPOINT_BYTES: u64 = 1 << 30;

/// The checkpoint format this build writes. Version 3 stores the reconstruction loss and the
/// likelihood of the run, the tinyvae version, the run id and the epochs' losses; version 4
/// adds the detector record (normal classes, calibrated threshold) after that body.
pub const VERSION: u16 = 4;

/// The earlier version this build still reads: version 4 without the detector record.
pub const VERSION_WITHOUT_DETECTOR: u16 = 3;
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Why a checkpoint could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a checkpoint, is damaged or truncated.
    #[error("not a valid tinyvae checkpoint: {0}")]
    Corrupt(String),
    /// A checkpoint of a format version this build does not read.
    #[error(
        "unsupported checkpoint version {found} (this build reads versions {VERSION_WITHOUT_DETECTOR} and {VERSION})"
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
    },
    /// The checkpoint is of another preset.
    #[error("the checkpoint is of preset {found}, not {expected}")]
    WrongPreset {
        /// The preset asked for.
        expected: String,
        /// The preset of the file.
        found: String,
    },
    /// The weights inside do not load into the model.
    #[error("the weights inside do not fit: {0}")]
    Weights(#[from] tinyvae_core::Error),
}

#[derive(Serialize, Deserialize)]
enum StoredNoise {
    None,
    Gaussian(f32),
    Masking(f32),
}

#[derive(Serialize, Deserialize)]
enum StoredOptimizer {
    Sgd(f32),
    Adam,
}

#[derive(Serialize, Deserialize)]
enum StoredLoss {
    CrossEntropy,
    SquaredError,
    LinearSquaredError,
}

#[derive(Serialize, Deserialize)]
enum StoredLikelihood {
    Bernoulli,
    /// Fixed variance, mean σ(ℓ).
    Gaussian(f32),
    /// Fixed variance, mean ℓ.
    LinearGaussian(f32),
    /// Learned variance, mean ℓ.
    LinearGaussianLearned,
}

impl StoredLoss {
    fn of(loss: ReconstructionLoss) -> Self {
        match loss {
            ReconstructionLoss::CrossEntropy => Self::CrossEntropy,
            ReconstructionLoss::SquaredError => Self::SquaredError,
            ReconstructionLoss::LinearSquaredError => Self::LinearSquaredError,
        }
    }

    fn loss(&self) -> ReconstructionLoss {
        match self {
            Self::CrossEntropy => ReconstructionLoss::CrossEntropy,
            Self::SquaredError => ReconstructionLoss::SquaredError,
            Self::LinearSquaredError => ReconstructionLoss::LinearSquaredError,
        }
    }
}

impl StoredLikelihood {
    fn of(likelihood: Likelihood) -> Self {
        match likelihood {
            Likelihood::Bernoulli => Self::Bernoulli,
            Likelihood::Gaussian { variance } => Self::Gaussian(variance),
            Likelihood::LinearGaussian {
                variance: GaussianVariance::Fixed(variance),
            } => Self::LinearGaussian(variance),
            Likelihood::LinearGaussian {
                variance: GaussianVariance::Learned,
            } => Self::LinearGaussianLearned,
        }
    }

    fn likelihood(&self) -> Likelihood {
        match *self {
            Self::Bernoulli => Likelihood::Bernoulli,
            Self::Gaussian(variance) => Likelihood::Gaussian { variance },
            Self::LinearGaussian(variance) => Likelihood::LinearGaussian {
                variance: GaussianVariance::Fixed(variance),
            },
            Self::LinearGaussianLearned => Likelihood::LinearGaussian {
                variance: GaussianVariance::Learned,
            },
        }
    }
}

#[derive(Serialize, Deserialize)]
struct StoredConfig {
    epochs: u64,
    batch_size: u64,
    optimizer: StoredOptimizer,
    learning_rate: f32,
    beta: f32,
    kl_warmup_steps: u64,
    noise: StoredNoise,
    seed: u64,
    dynamic_binarization: bool,
    clip_norm: Option<f32>,
    train_limit: Option<u64>,
    pretrain_epochs: u64,
    loss: StoredLoss,
    likelihood: StoredLikelihood,
}

#[derive(Serialize, Deserialize)]
struct CheckpointFile {
    tinyvae_version: String,
    run_id: u64,
    preset: String,
    data: DataRecord,
    config: StoredConfig,
    step: u64,
    epoch: u64,
    batch: u64,
    learning_rate: f32,
    beta: f32,
    rng: SeededRng,
    model: Vec<u8>,
    optimizer_counter: u64,
    optimizer: Vec<Vec<u8>>,
    history: Vec<EpochReport>,
}

/// A checkpoint read from disk, not yet turned into a trainer.
pub struct Checkpoint {
    file: CheckpointFile,
    detector: DetectorRecord,
}

impl Checkpoint {
    /// The preset the checkpoint belongs to.
    pub fn preset(&self) -> &str {
        &self.file.preset
    }

    /// The settings of the run that wrote it.
    pub fn config(&self) -> TrainConfig {
        let c = &self.file.config;
        TrainConfig {
            epochs: c.epochs as usize,
            batch_size: c.batch_size as usize,
            optimizer: match c.optimizer {
                StoredOptimizer::Sgd(momentum) => OptimizerChoice::Sgd { momentum },
                StoredOptimizer::Adam => OptimizerChoice::Adam,
            },
            learning_rate: c.learning_rate,
            beta: c.beta,
            kl_warmup_steps: c.kl_warmup_steps,
            noise: match c.noise {
                StoredNoise::None => Noise::None,
                StoredNoise::Gaussian(std_dev) => Noise::Gaussian { std_dev },
                StoredNoise::Masking(keep_probability) => Noise::Masking { keep_probability },
            },
            seed: c.seed,
            dynamic_binarization: c.dynamic_binarization,
            clip_norm: c.clip_norm,
            train_limit: c.train_limit.map(|n| n as usize),
            pretrain_epochs: c.pretrain_epochs as usize,
            loss: c.loss.loss(),
            likelihood: c.likelihood.likelihood(),
        }
    }

    /// The model's kind and layers, as its stored weights say.
    pub fn model_info(&self) -> Result<weights::WeightsInfo<'_>, CheckpointError> {
        weights::inspect(&self.file.model).map_err(CheckpointError::from)
    }

    /// The version of tinyvae that wrote it.
    pub fn tinyvae_version(&self) -> &str {
        &self.file.tinyvae_version
    }

    /// The id of the run that wrote it (kept across resumes).
    pub fn run_id(&self) -> u64 {
        self.file.run_id
    }

    /// The losses of every epoch the run trained.
    pub fn history(&self) -> &[EpochReport] {
        &self.file.history
    }

    /// Where the run stood: steps, epoch (from 0, pretraining first) and batch.
    pub fn position(&self) -> Position {
        Position {
            step: self.file.step,
            epoch: self.file.epoch as usize,
            batch: self.file.batch as usize,
        }
    }

    /// The learning rate and β in force when it was written.
    pub fn in_force(&self) -> (f32, f32) {
        (self.file.learning_rate, self.file.beta)
    }

    /// The data the run was trained on.
    pub fn data(&self) -> &DataRecord {
        &self.file.data
    }

    /// Optimizer steps taken when it was written.
    pub fn step(&self) -> u64 {
        self.file.step
    }

    /// The run's detector settings (empty for a checkpoint of version 3).
    pub fn detector(&self) -> &DetectorRecord {
        &self.detector
    }

    /// Replaces the detector settings (a calibrated threshold), to be written back with
    /// [`Checkpoint::write`].
    pub fn set_detector(&mut self, detector: DetectorRecord) {
        self.detector = detector;
    }

    /// Writes the checkpoint as read, with its detector settings, to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<(), CheckpointError> {
        write_file(&file_bytes(&self.file, &self.detector)?, path)
    }

    /// Parses checkpoint bytes, checking magic, version and CRC, in that order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CheckpointError> {
        let corrupt = |what: &str| CheckpointError::Corrupt(what.to_string());
        let Some(version) = bytes
            .strip_prefix(&MAGIC)
            .and_then(|rest| rest.first_chunk::<2>())
        else {
            return Err(corrupt("bad magic"));
        };
        let version = u16::from_le_bytes(*version);
        if version != VERSION && version != VERSION_WITHOUT_DETECTOR {
            return Err(CheckpointError::UnsupportedVersion { found: version });
        }
        let header = MAGIC.len() + 2;
        if bytes.len() < header + 4 {
            return Err(corrupt("truncated"));
        }
        let (checked, stored_crc) = bytes.split_at(bytes.len() - 4);
        let stored_crc =
            u32::from_le_bytes([stored_crc[0], stored_crc[1], stored_crc[2], stored_crc[3]]);
        if CRC.checksum(checked) != stored_crc {
            return Err(corrupt(
                "checksum mismatch (the file is damaged or truncated)",
            ));
        }
        let (file, rest): (CheckpointFile, _) =
            postcard::take_from_bytes(&checked[header..]).map_err(|e| corrupt(&e.to_string()))?;
        let (detector, rest) = if version == VERSION {
            postcard::take_from_bytes(rest).map_err(|e| corrupt(&e.to_string()))?
        } else {
            (DetectorRecord::default(), rest)
        };
        if !rest.is_empty() {
            return Err(corrupt("trailing bytes"));
        }
        Ok(Self { file, detector })
    }

    /// Reads and parses a checkpoint file of at most [`MAX_CHECKPOINT_BYTES`].
    pub fn read(path: &Path) -> Result<Self, CheckpointError> {
        use std::io::Read;
        let io = |source| CheckpointError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        // The magic and the version first: anything else (`/dev/zero`, a blob, another
        // version) is refused before the body is read.
        let header = MAGIC.len() + 2;
        let mut bytes = Vec::new();
        (&mut file)
            .take(header as u64)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() < header {
            return Self::from_bytes(&bytes);
        }
        let version = u16::from_le_bytes([bytes[header - 2], bytes[header - 1]]);
        if !bytes.starts_with(&MAGIC) || (version != VERSION && version != VERSION_WITHOUT_DETECTOR)
        {
            return Self::from_bytes(&bytes);
        }
        file.take(MAX_CHECKPOINT_BYTES + 1 - header as u64)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_CHECKPOINT_BYTES {
            return Err(CheckpointError::Corrupt(format!(
                "{} is larger than the largest checkpoint, {} MiB",
                path.display(),
                MAX_CHECKPOINT_BYTES >> 20
            )));
        }
        Self::from_bytes(&bytes)
    }

    /// Loads the model alone (for evaluation, export and pictures).
    pub fn model<M: TrainableModel>(&self, preset: &str) -> Result<Box<M>, CheckpointError> {
        self.check_preset(preset)?;
        let mut model: Box<M> = bytemuck::zeroed_box();
        weights::load(&self.file.model, &mut *model)?;
        Ok(model)
    }

    /// A trainer that continues exactly where the checkpointed run was.
    pub fn into_trainer<M: TrainableModel>(
        self,
        preset: &str,
    ) -> Result<Trainer<M>, CheckpointError> {
        self.check_preset(preset)?;
        let config = self.config();
        let mut model: Box<M> = bytemuck::zeroed_box();
        weights::load(&self.file.model, &mut *model)?;
        let mut optimizer = OptimizerState::<M>::new(config.optimizer);
        let mut values = optimizer.values_mut();
        if values.len() != self.file.optimizer.len() {
            return Err(CheckpointError::Corrupt(
                "optimizer state does not match the optimizer".into(),
            ));
        }
        for (value, blob) in values.iter_mut().zip(&self.file.optimizer) {
            weights::load(blob, &mut **value)?;
        }
        optimizer.set_counter(self.file.optimizer_counter);
        // An all-zero xoshiro state draws zeros forever (noise, ε, binarization would hang or
        // be constant): it is never written by a real run.
        let state = postcard::to_stdvec(&self.file.rng)
            .map_err(|e| CheckpointError::Corrupt(e.to_string()))?;
        if state.iter().all(|&b| b == 0) {
            return Err(CheckpointError::Corrupt(
                "the generator state is all zero".into(),
            ));
        }
        let saved = SavedRun {
            model,
            optimizer,
            rng: self.file.rng,
            position: Position {
                step: self.file.step,
                epoch: self.file.epoch as usize,
                batch: self.file.batch as usize,
            },
            learning_rate: self.file.learning_rate,
            beta: self.file.beta,
            run_id: self.file.run_id,
            history: self.file.history,
        };
        Trainer::resume(config, saved).map_err(|e| CheckpointError::Corrupt(e.to_string()))
    }

    fn check_preset(&self, preset: &str) -> Result<(), CheckpointError> {
        if self.file.preset != preset {
            return Err(CheckpointError::WrongPreset {
                expected: preset.to_string(),
                found: self.file.preset.clone(),
            });
        }
        Ok(())
    }
}

/// Whether the file at `path` starts as a checkpoint does (any version); false when it cannot
/// be read.
pub fn is_checkpoint_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; MAGIC.len()];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut head))
        .is_ok_and(|()| head == MAGIC)
}

/// The bytes of a checkpoint of `trainer`, trained on `data`, a detector as `detector` says.
pub fn checkpoint_bytes<M: TrainableModel>(
    trainer: &Trainer<M>,
    preset: &str,
    data: &DataRecord,
    detector: &DetectorRecord,
) -> Result<Vec<u8>, CheckpointError> {
    let c = trainer.config();
    let blob = |m: &M| -> Result<Vec<u8>, CheckpointError> {
        let mut buffer = vec![0u8; weights::blob_len::<M>()];
        let written = weights::save(m, &mut buffer)?;
        buffer.truncate(written);
        Ok(buffer)
    };
    let position = trainer.position();
    let file = CheckpointFile {
        tinyvae_version: env!("CARGO_PKG_VERSION").to_string(),
        run_id: trainer.run_id(),
        history: trainer.history().to_vec(),
        preset: preset.to_string(),
        data: data.clone(),
        config: StoredConfig {
            epochs: c.epochs as u64,
            batch_size: c.batch_size as u64,
            optimizer: match c.optimizer {
                OptimizerChoice::Sgd { momentum } => StoredOptimizer::Sgd(momentum),
                OptimizerChoice::Adam => StoredOptimizer::Adam,
            },
            learning_rate: c.learning_rate,
            beta: c.beta,
            kl_warmup_steps: c.kl_warmup_steps,
            noise: match c.noise {
                Noise::Gaussian { std_dev } => StoredNoise::Gaussian(std_dev),
                Noise::Masking { keep_probability } => StoredNoise::Masking(keep_probability),
                _ => StoredNoise::None,
            },
            seed: c.seed,
            dynamic_binarization: c.dynamic_binarization,
            clip_norm: c.clip_norm,
            train_limit: c.train_limit.map(|n| n as u64),
            pretrain_epochs: c.pretrain_epochs as u64,
            loss: StoredLoss::of(c.loss),
            likelihood: StoredLikelihood::of(c.likelihood),
        },
        step: position.step,
        epoch: position.epoch as u64,
        batch: position.batch as u64,
        learning_rate: trainer.learning_rate(),
        beta: trainer.beta(),
        rng: trainer.rng().clone(),
        model: blob(trainer.model())?,
        optimizer_counter: trainer.optimizer().counter(),
        optimizer: trainer
            .optimizer()
            .values()
            .into_iter()
            .map(blob)
            .collect::<Result<_, _>>()?,
    };
    file_bytes(&file, detector)
}

/// Magic, version, body, detector record and CRC.
fn file_bytes(
    file: &CheckpointFile,
    detector: &DetectorRecord,
) -> Result<Vec<u8>, CheckpointError> {
    let encode = |e: postcard::Error| CheckpointError::Corrupt(e.to_string());
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend(postcard::to_stdvec(file).map_err(encode)?);
    bytes.extend(postcard::to_stdvec(detector).map_err(encode)?);
    let crc = CRC.checksum(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    Ok(bytes)
}

/// Writes a checkpoint of `trainer`, trained on `data`, to `path` atomically.
pub fn save_checkpoint<M: TrainableModel>(
    trainer: &Trainer<M>,
    preset: &str,
    data: &DataRecord,
    detector: &DetectorRecord,
    path: &Path,
) -> Result<(), CheckpointError> {
    write_file(&checkpoint_bytes(trainer, preset, data, detector)?, path)
}

fn write_file(bytes: &[u8], path: &Path) -> Result<(), CheckpointError> {
    write_atomically(path, bytes).map_err(|source| CheckpointError::Io {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests;
