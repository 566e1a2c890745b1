//! The subcommands, one file each, and what they share.

pub mod bench;
pub mod eval;
pub mod pictures;
pub mod train;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tinyvae_host::checkpoint::Checkpoint;
use tinyvae_host::data::{Split, default_data_dir, load_digits, load_idx_dir};
use tinyvae_host::presets::{Preset, ShippedData, find_preset};

/// Exit codes that mean something to scripts.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Bad input: arguments, data, checkpoint.
    pub const BAD_INPUT: u8 = 1;
    /// Training stopped by an error (e.g. a NaN loss); the last checkpoint is intact.
    pub const TRAINING_FAILED: u8 = 3;
    /// Interrupted (Ctrl-C, SIGTERM, SIGHUP) after saving a checkpoint.
    pub const INTERRUPTED: u8 = 130;
}

/// An error to show the user, with the exit code it ends the process with.
#[derive(Debug)]
pub struct Failure {
    /// The message, one or a few lines.
    pub message: String,
    /// The exit code.
    pub code: u8,
}

impl Failure {
    /// A bad-input failure.
    pub fn input(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            code: exit::BAD_INPUT,
        }
    }
}

impl From<Failure> for ExitCode {
    fn from(failure: Failure) -> Self {
        eprintln!("tinyvae: {}", failure.message);
        ExitCode::from(failure.code)
    }
}

/// Loads `data` if given (a directory of IDX files, or a digits CSV), else the preset's
/// shipped data, and checks its images fit a model of `inputs` pixels.
pub fn load_data(preset: &Preset, data: Option<&Path>, inputs: usize) -> Result<Split, Failure> {
    let split = match data {
        Some(path) if path.is_dir() => load_idx_dir(path),
        Some(path) => load_digits(path),
        None => match preset.data {
            ShippedData::Mnist => load_idx_dir(&default_data_dir().join("mnist")),
            ShippedData::Digits => {
                load_digits(&default_data_dir().join("digits").join("digits.csv.gz"))
            }
        },
    }
    .map_err(Failure::input)?;
    split
        .train
        .ensure_pixels_per_image(inputs)
        .map_err(Failure::input)?;
    split
        .test
        .ensure_pixels_per_image(inputs)
        .map_err(Failure::input)?;
    Ok(split)
}

/// Reads a checkpoint and finds its preset.
pub fn open_checkpoint(path: &Path) -> Result<(Checkpoint, &'static Preset), Failure> {
    let checkpoint = Checkpoint::read(path).map_err(Failure::input)?;
    let preset = find_preset(checkpoint.preset()).map_err(Failure::input)?;
    Ok((checkpoint, preset))
}

/// `checkpoints/NAME.EXTENSION`.
pub fn default_path(preset: &Preset, extension: &str) -> PathBuf {
    PathBuf::from("checkpoints").join(format!("{}.{extension}", preset.name))
}

/// How to add a preset, printed under the list.
pub const ADDING_A_PRESET: &str = "\
To add a preset, edit host/src/presets.rs: a type alias for the model (any sizes of a core
family, e.g. `pub type VaeSensor = MlpVae<384, 64, 8>;`), a PresetId variant with its arm in
with_preset (the compiler refuses a variant without one), and a PRESETS row with the name,
description, data and settings. A model in your own crate needs none of this: see
examples/custom-model.";

/// Prints the presets, one a line, then how to add one.
pub fn list_presets() {
    for preset in tinyvae_host::presets::PRESETS {
        println!("{:<20} {}", preset.name, preset.description);
    }
    println!("\n{ADDING_A_PRESET}");
}
