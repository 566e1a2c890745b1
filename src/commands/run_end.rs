//! How a training run ends for the shell: the checks before any work that keep a run from
//! replacing another's checkpoint, and the exit code of every way a run can end (README,
//! "Exit codes").

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tinyvae_host::checkpoint::is_checkpoint_file;
use tinyvae_host::files::RunFiles;
use tinyvae_host::train::events::Artifact;
use tinyvae_host::train::worker::RunEnd;

use super::{Failure, exit};
use crate::cli::TrainArgs;
use crate::format;
use crate::render::driver::Outcome;

/// Refuses, before any work, to replace a checkpoint of another run or any other file
/// (unless `--overwrite`), and to write an output (`--export`, `--metrics`) over a checkpoint.
/// Call it after [`RunFiles::prepare`], which refuses a path that cannot be written (a folder,
/// a device, a name too long) with what is wrong with it.
pub fn check_outputs(args: &TrainArgs, files: &RunFiles) -> Result<(), Failure> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    let resumed_here = args
        .resume
        .as_deref()
        .is_some_and(|resumed| same(resumed, &files.checkpoint));
    if files.checkpoint.exists() && !resumed_here && !args.overwrite {
        return Err(Failure::input(if is_checkpoint_file(&files.checkpoint) {
            format!(
                "{} exists: it is another run's checkpoint; continue it with --resume {0}, save \
                 elsewhere with --checkpoint, or replace it with --overwrite",
                files.checkpoint.display()
            )
        } else {
            format!(
                "{} exists and is not a checkpoint; save elsewhere with --checkpoint, or replace \
                 it with --overwrite",
                files.checkpoint.display()
            )
        }));
    }
    let outputs = [Some(&files.weights), args.metrics.as_ref()];
    for output in outputs.into_iter().flatten() {
        if same(output, &files.checkpoint) || is_checkpoint_file(output) {
            return Err(Failure::input(format!(
                "{} is a checkpoint: an output never replaces one; choose another path",
                output.display()
            )));
        }
    }
    Ok(())
}

/// The `--metrics` file, opened before any work: one that cannot be written (a folder, a
/// read-only place) is bad input, not an output lost after training.
pub fn open_metrics(args: &TrainArgs) -> Result<Option<Box<dyn Write>>, Failure> {
    args.metrics
        .as_ref()
        .map(|path| {
            File::create(path)
                .map(|file| Box::new(io::BufWriter::new(file)) as Box<dyn Write>)
                .map_err(|e| Failure::input(format!("--metrics {}: {e}", path.display())))
        })
        .transpose()
}

/// The result of the run for the shell, from how the trainer ended and how the session did.
pub fn run_end(
    end: RunEnd,
    session: Result<Outcome, Failure>,
    files: &RunFiles,
) -> Result<(), Failure> {
    let save_failed = |(artifact, path, error): &(Artifact, PathBuf, String)| Failure {
        message: format!(
            "{} not saved to {}: {error}{}",
            format::artifact(*artifact),
            path.display(),
            if *artifact == Artifact::Checkpoint {
                "; the run stopped and the previous checkpoint is intact"
            } else {
                ""
            }
        ),
        code: exit::SAVE_FAILED,
    };
    let outcome = match (end, session) {
        (RunEnd::Failed, _) => {
            return Err(Failure {
                message: if files.checkpoint.exists() {
                    format!(
                        "training stopped; {} is as it was before the failure",
                        files.checkpoint.display()
                    )
                } else {
                    "training stopped before any checkpoint was saved".into()
                },
                code: exit::TRAINING_FAILED,
            });
        }
        (RunEnd::SaveFailed, Ok(outcome)) => {
            // The checkpoint's failure ended the run: name it.
            let last = outcome
                .failed_saves
                .iter()
                .rev()
                .find(|f| f.0 == Artifact::Checkpoint);
            return Err(last.map_or_else(
                || Failure {
                    message: "the checkpoint could not be saved".into(),
                    code: exit::SAVE_FAILED,
                },
                save_failed,
            ));
        }
        (RunEnd::SaveFailed, Err(failure)) => {
            return Err(Failure {
                message: format!("{}; and the checkpoint could not be saved", failure.message),
                code: exit::SAVE_FAILED,
            });
        }
        (_, Err(failure)) => {
            return Err(Failure {
                message: format!(
                    "{}; the checkpoint was saved to {}",
                    failure.message,
                    files.checkpoint.display()
                ),
                code: exit::OUTPUT_LOST,
            });
        }
        (_, Ok(outcome)) => outcome,
    };
    if let Some(failed) = outcome.failed_saves.first() {
        return Err(save_failed(failed));
    }
    match outcome.signal() {
        Some(_) => Err(Failure {
            message: format!(
                "interrupted; checkpoint saved to {}",
                files.checkpoint.display()
            ),
            code: exit::INTERRUPTED,
        }),
        None => Ok(()),
    }
}
