//! Arguments of the anomaly-detection commands: `score`, `calibrate`, `one-class`, `roc` and
//! `histogram`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use tinyvae_host::anomaly::ScoreKind;

use super::{DataArgs, in_range};

/// How `score` writes its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RowFormat {
    /// One JSON object per line.
    Json,
    /// A CSV table with a header row.
    Csv,
}

/// Options of `score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The checkpoint whose model scores.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// Data to score (default: the checkpoint's own test set).
    #[command(flatten)]
    pub data: DataArgs,
    /// The scores, comma-separated: mse, rel, ce, elbo, iw (default: every one the model has).
    #[arg(long, value_delimiter = ',', value_parser = score_kind)]
    pub scores: Vec<ScoreKind>,
    /// K, the draws of the elbo and iw scores.
    #[arg(long, default_value_t = 16, allow_negative_numbers = true, value_parser = in_range::<1, 100_000>)]
    pub iw_samples: usize,
    /// Rows as JSON lines or CSV.
    #[arg(long, value_enum, default_value_t = RowFormat::Json)]
    pub output_format: RowFormat,
    /// Threads to score with (default: every core); the scores do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<1, 1024>)]
    pub threads: Option<usize>,
}

/// Options of `one-class`.
#[derive(Debug, Args)]
pub struct OneClassArgs {
    /// The preset to train, once per normal class.
    #[arg(long, default_value = "vae-mnist")]
    pub preset: String,
    /// Labelled data (default: the preset's).
    #[command(flatten)]
    pub data: DataArgs,
    /// The classes taken in turn as the normal one, comma-separated (default: 0 to 9).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, value_parser = in_range::<0, 255>)]
    pub classes: Vec<usize>,
    /// Epochs per class (default: the preset's).
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<1, 1_000_000>)]
    pub epochs: Option<usize>,
    /// Samples per step (default: the preset's).
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<1, 1_000_000>)]
    pub batch_size: Option<usize>,
    /// Seed of initialization, shuffling and the draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The scores, comma-separated: mse, rel, ce, elbo, iw (default: every one the model has).
    #[arg(long, value_delimiter = ',', value_parser = score_kind)]
    pub scores: Vec<ScoreKind>,
    /// K, the draws of the elbo and iw scores.
    #[arg(long, default_value_t = 16, allow_negative_numbers = true, value_parser = in_range::<1, 100_000>)]
    pub iw_samples: usize,
    /// Threads to score with (default: every core); the scores do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<1, 1024>)]
    pub threads: Option<usize>,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A score named on the command line.
fn score_kind(text: &str) -> Result<ScoreKind, String> {
    ScoreKind::from_name(text).ok_or_else(|| {
        let names: Vec<_> = ScoreKind::ALL.iter().map(|k| k.name()).collect();
        format!("'{text}' is not a score; use one of {}", names.join(", "))
    })
}

/// Options of `calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The checkpoint to calibrate; the threshold is written into it.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// Normal data to set the threshold from (default: the normal samples of the checkpoint's
    /// training set).
    #[command(flatten)]
    pub data: DataArgs,
    /// The score the threshold applies to: mse, rel, ce, elbo or iw.
    #[arg(long, default_value = "mse", value_parser = score_kind)]
    pub score: ScoreKind,
    /// The threshold is this percentile of the normal scores (0 to 100).
    #[arg(long, conflicts_with = "mean_std", allow_negative_numbers = true, value_parser = percentile)]
    pub percentile: Option<f32>,
    /// The threshold is the mean of the normal scores plus this many standard deviations.
    #[arg(long, allow_negative_numbers = true, value_parser = finite)]
    pub mean_std: Option<f32>,
    /// K, the draws of the elbo and iw scores.
    #[arg(long, default_value_t = 16, allow_negative_numbers = true, value_parser = in_range::<1, 100_000>)]
    pub iw_samples: usize,
    /// Threads to score with (default: every core); the scores do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<1, 1024>)]
    pub threads: Option<usize>,
}

/// A percentile: a number in [0, 100].
fn percentile(text: &str) -> Result<f32, String> {
    let value: f32 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is out of range 0..=100"))
    }
}

/// A finite number.
fn finite(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(format!("'{text}' is not a finite number")),
    }
}

/// Options of `roc` and `histogram`, the pictures of a detector on its test set.
#[derive(Debug, Args)]
pub struct DetectorPictureArgs {
    /// The checkpoint whose model scores.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// The PNG to write.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Labelled data whose test set is scored (default: the checkpoint's own).
    #[command(flatten)]
    pub data: DataArgs,
    /// The score drawn: mse, rel, ce, elbo or iw (default: the calibrated threshold's, or mse).
    #[arg(long, value_parser = score_kind)]
    pub score: Option<ScoreKind>,
    /// The normal classes, comma-separated (default: the run's `train --normal-class`).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, value_parser = in_range::<0, 255>)]
    pub normal_class: Vec<usize>,
    /// K, the draws of the elbo and iw scores.
    #[arg(long, default_value_t = 16, allow_negative_numbers = true, value_parser = in_range::<1, 100_000>)]
    pub iw_samples: usize,
    /// Width of the picture in pixels (the ROC curve is square, the histogram 4:3).
    #[arg(long, default_value_t = 480, allow_negative_numbers = true, value_parser = in_range::<64, 4096>)]
    pub width: usize,
    /// Bins of the histogram.
    #[arg(long, default_value_t = 40, allow_negative_numbers = true, value_parser = in_range::<2, 1000>)]
    pub bins: usize,
}
