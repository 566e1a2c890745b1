//! The subcommands, one file each, and what they share.

pub mod anomaly;
pub mod bench;
pub mod bench_scores;
pub mod charts;
mod data;
mod detect;
mod detector;
pub mod eval;
pub mod inspect;
pub mod pictures;
mod resume;
mod run_end;
pub mod train;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tinyvae_host::catalog::Catalog;
use tinyvae_host::checkpoint::Checkpoint;
use tinyvae_host::presets::{Preset, PresetVisitor};
use tinyvae_host::train::config::TrainConfig;
use tinyvae_host::train::model::TrainableModel;

pub use data::{
    CheckpointData, DataUse, ModelSizes, check_unit_interval, checkpoint_data, default_spec,
    load_data, spec_from_args,
};
pub use detect::calibrate;

/// Exit codes that mean something to scripts.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Bad input: arguments, data, checkpoint.
    pub const BAD_INPUT: u8 = 1;
    /// Training stopped by an error (e.g. a NaN loss); the last checkpoint is intact.
    pub const TRAINING_FAILED: u8 = 3;
    /// A file could not be written (a full disk, a read-only folder…); the run stopped if it
    /// was the checkpoint, and the previous checkpoint is intact.
    pub const SAVE_FAILED: u8 = 4;
    /// The output went away (a broken pipe, a closed SSH session, an unwritable metrics
    /// file); the checkpoint was saved first.
    pub const OUTPUT_LOST: u8 = 5;
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

    /// The reader of standard output went away (`| head`): the command stops quietly, as
    /// done.
    fn reader_gone() -> Self {
        Self {
            message: String::new(),
            code: exit::OK,
        }
    }
}

impl From<Failure> for ExitCode {
    fn from(failure: Failure) -> Self {
        if !failure.message.is_empty() {
            note!("tinyvae: {}", failure.message);
        }
        ExitCode::from(failure.code)
    }
}

/// Runs `visitor` with the model a run of `preset` under `config` trains (`preset` must be
/// one of `catalog`'s).
pub fn dispatch<C, V, T>(
    catalog: &C,
    preset: &'static Preset,
    config: &TrainConfig,
    visitor: V,
) -> Result<T, Failure>
where
    C: Catalog,
    V: PresetVisitor<Output = Result<T, Failure>>,
{
    catalog.visit(preset, config, visitor).unwrap_or_else(|| {
        Err(Failure::input(format!(
            "preset {} is not one of this tool's models",
            preset.name
        )))
    })
}

/// Whether `preset`'s model is a VAE.
pub fn is_variational<C: Catalog>(catalog: &C, preset: &'static Preset) -> bool {
    struct Variational;
    impl PresetVisitor for Variational {
        type Output = bool;
        fn visit<M: TrainableModel>(self, _: &'static Preset) -> bool {
            M::IS_VARIATIONAL
        }
    }
    catalog
        .visit(preset, &preset.config, Variational)
        .unwrap_or(false)
}

/// Refuses an output path that holds a checkpoint: outputs never replace one.
pub fn refuse_checkpoint_output(out: &Path) -> Result<(), Failure> {
    if tinyvae_host::checkpoint::is_checkpoint_file(out) {
        return Err(Failure::input(format!(
            "{} is a checkpoint: an output never replaces one; choose another path",
            out.display()
        )));
    }
    Ok(())
}

/// Reads a checkpoint and finds its model in `catalog`.
pub fn open_checkpoint<C: Catalog>(
    catalog: &C,
    path: &Path,
) -> Result<(Checkpoint, &'static Preset), Failure> {
    let checkpoint = Checkpoint::read(path).map_err(Failure::input)?;
    let preset = catalog.find(checkpoint.preset()).map_err(Failure::input)?;
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
with_preset_config (the compiler refuses a variant without one; a VAE also names its twin
with a LearnedVariance), and a PRESETS row with the name, description, data and settings.
A model in your own crate needs none of this: see
examples/custom-model.";

/// Writes `text` to standard output; a reader that went away (`| head`) ends it quietly.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::input(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

/// Writes `line` and a newline to standard output. A reader that went away (`| head`) ends
/// the command quietly, with exit code 0: the `Err` stops it.
pub fn print_line(line: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Failure::reader_gone()),
        Err(e) => Err(Failure::input(format!("cannot write the output: {e}"))),
    }
}

/// Prints the presets, one a line, then how to add one. A reader that goes away (`| head`)
/// ends the listing quietly.
pub fn list_presets<C: Catalog>(catalog: &C) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let listing = (|| -> std::io::Result<()> {
        for preset in catalog.presets() {
            writeln!(out, "{:<20} {}", preset.name, preset.description)?;
        }
        writeln!(out, "\n{ADDING_A_PRESET}")?;
        out.flush()
    })();
    match listing {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::input(format!("cannot write the list: {e}")))
        }
        _ => Ok(()),
    }
}
