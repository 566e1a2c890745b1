//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tinyvae_host::data::{DataFormat, LabelColumn, Normalization};

use crate::render::tui::{Colors, Overrides};

mod anomaly;

pub use anomaly::{CalibrateArgs, DetectorPictureArgs, OneClassArgs, RowFormat, ScoreArgs};

/// A terminal trainer for autoencoders and variational autoencoders, for embedded and edge use.
///
/// With no command it trains the default preset on the shipped MNIST in the dashboard (or
/// headless when standard output is not a terminal).
#[derive(Debug, Parser)]
#[command(name = "tinyvae", version, about)]
pub struct Cli {
    /// What to do (default: train).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Training options for the default command.
    #[command(flatten)]
    pub train: TrainArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a preset (the dashboard on a terminal, headless otherwise).
    Train(Box<TrainArgs>),
    /// Evaluate a checkpoint on the test set: ELBO, importance-weighted log-likelihood,
    /// reconstruction errors, the PCA baseline, active units and a linear probe.
    Eval(EvalArgs),
    /// Write the device weight blob of a checkpoint.
    Export(ExportArgs),
    /// Write a PNG grid of samples from the prior.
    Sample(PictureArgs),
    /// Write a PNG of test digits beside their reconstructions.
    Recon(PictureArgs),
    /// Write a PNG of the 2-D latent manifold (decoded grid through the inverse normal CDF).
    Manifold(PictureArgs),
    /// Write a PNG scatter of test codes coloured by digit.
    Latent(PictureArgs),
    /// Write a PNG of two test samples with the decoded points between their codes
    /// (--count points, endpoints included).
    Interpolate(InterpolateArgs),
    /// Measure training throughput of presets.
    Bench(BenchArgs),
    /// Score every sample for anomaly detection, a row each: reconstruction errors, and for
    /// VAEs −ELBO and the importance-weighted −log p(x).
    Score(ScoreArgs),
    /// Set a checkpoint's anomaly threshold from the scores of normal samples: a percentile
    /// or the mean plus k standard deviations; `eval --anomaly` and `export` use it.
    Calibrate(CalibrateArgs),
    /// The one-class protocol: train on each class in turn, score the whole test set with
    /// every other class abnormal, and print the ROC AUC of every score, per class and mean.
    OneClass(OneClassArgs),
    /// Write a PNG of the ROC curve of a score on the test set (the run's normal classes
    /// normal, the others abnormal) with the chance diagonal; the AUC is printed.
    Roc(DetectorPictureArgs),
    /// Write a PNG of the score histograms of the normal and the abnormal test samples, the
    /// calibrated threshold as a red vertical line.
    Histogram(DetectorPictureArgs),
    /// Print what a checkpoint records, or a device blob's header.
    Inspect {
        /// The checkpoint or blob.
        file: PathBuf,
    },
    /// List the presets.
    Presets,
}

/// Optimizers on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OptimizerArg {
    /// Adam (Kingma & Ba).
    Adam,
    /// SGD with momentum.
    Sgd,
}

/// Reconstruction losses of autoencoders on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LossArg {
    /// Binary cross-entropy on σ(ℓ), for data in [0, 1].
    Ce,
    /// Squared error, on the output --output names.
    Mse,
}

/// Decoders of VAEs on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LikelihoodArg {
    /// Bernoulli on σ(ℓ), for data in [0, 1].
    Bernoulli,
    /// Gaussian, with the mean --output names and the variance --variance names.
    Gaussian,
}

/// What the decoder's output ℓ means, on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputArg {
    /// x̂ = ℓ, unbounded: real-valued data.
    Linear,
    /// x̂ = σ(ℓ) ∈ (0, 1): data in [0, 1].
    Sigmoid,
}

/// The variance of a Gaussian decoder: `fixed:V` or `learned`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VarianceArg {
    /// One fixed σ² > 0 for every feature.
    Fixed(f32),
    /// One σ² per feature, learned with the model.
    Learned,
}

impl std::str::FromStr for VarianceArg {
    type Err = String;

    /// `fixed:V` (V > 0) or `learned`.
    fn from_str(text: &str) -> Result<Self, String> {
        if text == "learned" {
            return Ok(Self::Learned);
        }
        let usage = || format!("--variance takes fixed:V (V > 0) or learned, not '{text}'");
        let value: f32 = text
            .strip_prefix("fixed:")
            .ok_or_else(usage)?
            .parse()
            .map_err(|_| usage())?;
        if !(value > 0.0 && value.is_finite()) {
            return Err(usage());
        }
        Ok(Self::Fixed(value))
    }
}

/// Options of a training run. Unset options take the preset's defaults.
#[derive(Clone, Debug, Default, Args)]
pub struct TrainArgs {
    /// The preset to train (see `tinyvae presets`; default: vae-mnist-2d, or the tool's own
    /// model).
    #[arg(long, short)]
    pub preset: Option<String>,
    /// The data to train on (default: the preset's shipped set).
    #[command(flatten)]
    pub data: DataArgs,
    /// Passes over the training set.
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<1, 1_000_000>)]
    pub epochs: Option<usize>,
    /// Samples per step.
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<1, 65_536>)]
    pub batch_size: Option<usize>,
    /// Optimizer.
    #[arg(long, value_enum)]
    pub optimizer: Option<OptimizerArg>,
    /// Learning rate.
    #[arg(long, allow_negative_numbers = true, value_parser = above_zero)]
    pub lr: Option<f32>,
    /// Momentum for SGD.
    #[arg(long, allow_negative_numbers = true, value_parser = momentum)]
    pub momentum: Option<f32>,
    /// KL weight β (variational models).
    #[arg(long, allow_negative_numbers = true, value_parser = at_least_zero)]
    pub beta: Option<f32>,
    /// Steps over which β rises linearly from 0.
    #[arg(long, allow_negative_numbers = true, value_parser = steps_in_range::<0, 1_000_000_000>)]
    pub kl_warmup: Option<u64>,
    /// Train on these classes only, comma-separated, as the normal data of an anomaly
    /// detector (the test set stays whole; see `eval --anomaly`).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, value_parser = in_range::<0, 255>)]
    pub normal_class: Vec<usize>,
    /// Input corruption of autoencoders (denoising): `none`, `gaussian:SIGMA` or
    /// `mask:KEEP_PROBABILITY`. VAEs refuse it.
    #[arg(long)]
    pub noise: Option<String>,
    /// Reconstruction loss of autoencoders: ce (cross-entropy, data in [0, 1]; the default) or
    /// mse (squared error, on the output --output names).
    #[arg(long, value_enum)]
    pub loss: Option<LossArg>,
    /// Decoder of VAEs: bernoulli (data in [0, 1]; the default) or gaussian (the mean --output
    /// names, the variance --variance names).
    #[arg(long, value_enum)]
    pub likelihood: Option<LikelihoodArg>,
    /// The decoder's output under --loss mse or --likelihood gaussian: linear (x̂ = ℓ, for
    /// real-valued data such as --normalize standardize; the default) or sigmoid (x̂ = σ(ℓ),
    /// for data in [0, 1]).
    #[arg(long, value_enum)]
    pub output: Option<OutputArg>,
    /// The variance of --likelihood gaussian: fixed:V (the default, fixed:1) or learned (one
    /// per feature, trained with the model; 64 to 784 more weights, --output linear only).
    #[arg(long)]
    pub variance: Option<VarianceArg>,
    /// Seed of the run.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Redraw binary pixels for every batch (dynamic binarization).
    #[arg(long)]
    pub binarize: bool,
    /// Clip gradients to this global norm.
    #[arg(long, allow_negative_numbers = true, value_parser = above_zero)]
    pub clip_norm: Option<f32>,
    /// Use only the first N training samples per epoch.
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<1, { usize::MAX }>)]
    pub limit: Option<usize>,
    /// Greedy pretraining epochs per layer (stacked models).
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<0, 1_000_000>)]
    pub pretrain_epochs: Option<usize>,
    /// Checkpoint file (default: checkpoints/PRESET.ckpt).
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Save a checkpoint at the end of an epoch when this many seconds have passed since the
    /// last one (0: every epoch). Stopping, `s`, Ctrl-C, SIGTERM and SIGHUP always save.
    #[arg(long, default_value = "30", allow_negative_numbers = true, value_parser = seconds_between::<0, 1_000_000>)]
    pub checkpoint_every: f64,
    /// Resume from this checkpoint (and save back to it, unless --checkpoint says otherwise).
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// Replace an existing checkpoint of another run at the checkpoint path.
    #[arg(long)]
    pub overwrite: bool,
    /// Where `e` in the dashboard writes the device weights (default: beside the checkpoint,
    /// its name with the extension .tvw).
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// No dashboard: progress on stderr, metrics as JSON lines.
    #[arg(long)]
    pub headless: bool,
    /// Write the JSON lines here instead of standard output.
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// Headless: one step line every N steps.
    #[arg(long, default_value_t = 50, allow_negative_numbers = true, value_parser = steps_in_range::<1, { usize::MAX }>)]
    pub log_every: u64,
    /// How the dashboard draws: `--ascii` or `--unicode`, and `--color` (see [`DrawingArgs`]).
    #[command(flatten)]
    pub ascii: DrawingArgs,
}

/// How the dashboard draws, over what the environment says (the locale, `TERM`, `COLORTERM`,
/// `NO_COLOR`; see [`crate::render::tui::capabilities`]): a flag given wins.
#[derive(Clone, Copy, Debug, Default, Args)]
pub struct DrawingArgs {
    /// Plain ASCII drawing, whatever the locale and the terminal (default: ASCII when the
    /// locale is not UTF-8 or the terminal has no Unicode glyphs, as TERM=linux or vt100).
    #[arg(long, conflicts_with = "unicode")]
    pub ascii: bool,
    /// Unicode drawing (box drawing, blocks, braille), whatever the locale and the terminal.
    #[arg(long)]
    pub unicode: bool,
    /// Colours: auto (from TERM, COLORTERM and NO_COLOR), never, 16 (the basic colours) or
    /// 256 (the 256-colour palette); a value other than auto wins over NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// As the environment says.
    #[default]
    Auto,
    /// No colours.
    Never,
    /// The 16 basic colours.
    #[value(name = "16")]
    Basic,
    /// The 256-colour palette.
    #[value(name = "256")]
    Indexed,
}

impl From<DrawingArgs> for Overrides {
    fn from(args: DrawingArgs) -> Self {
        Self {
            ascii: if args.ascii {
                Some(true)
            } else if args.unicode {
                Some(false)
            } else {
                None
            },
            color: match args.color {
                ColorArg::Auto => None,
                ColorArg::Never => Some(Colors::None),
                ColorArg::Basic => Some(Colors::Basic),
                ColorArg::Indexed => Some(Colors::Indexed),
            },
        }
    }
}

/// Which data to use, when not the default.
#[derive(Clone, Debug, Default, Args)]
pub struct DataArgs {
    /// The data: a folder of IDX files (MNIST layout, any image size), a CSV or TSV table of
    /// float vectors (optional header), or a NumPy .npy array of shape (N, D) or (N, H, W);
    /// gzip-compressed or not.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The format of --data when its name does not tell: idx, digits, csv, tsv or npy.
    #[arg(long, requires = "data")]
    pub format: Option<DataFormat>,
    /// The test set of --data, a file of the same format (default: --test-fraction held out).
    #[arg(long, requires = "data")]
    pub test_data: Option<PathBuf>,
    /// The fraction of --data held out as the test set when there is no --test-data.
    #[arg(long, requires = "data", conflicts_with = "test_data")]
    pub test_fraction: Option<f64>,
    /// Seed of the held-out test set.
    #[arg(long, requires = "data", default_value_t = 0)]
    pub split_seed: u64,
    /// The label column of a table: `last`, a column number from 1, or a header name.
    #[arg(long, requires = "data")]
    pub label_column: Option<LabelColumn>,
    /// The labels of a .npy array: a file holding a 1-D integer array, one label per sample.
    #[arg(long, requires = "data")]
    pub labels: Option<PathBuf>,
    /// The labels of --test-data (.npy).
    #[arg(long, requires = "test_data")]
    pub test_labels: Option<PathBuf>,
    /// Input normalization, fitted on the training set and stored in the checkpoint: none,
    /// minmax (each feature to [0, 1] by its training range), standardize (each feature to mean
    /// 0, deviation 1) or range:MIN:MAX (one range for all).
    #[arg(long)]
    pub normalize: Option<Normalization>,
}

/// Options of `eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The checkpoint to evaluate.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// Data to evaluate on (default: the data the checkpoint was trained on).
    #[command(flatten)]
    pub data: DataArgs,
    /// Importance samples per test point for log p(x) (default 5000; 16 with --anomaly).
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<1, 100_000>)]
    pub iw_samples: Option<usize>,
    /// Test points used for the importance-weighted estimate: a number from 1, or `all` for
    /// the whole test set.
    #[arg(long, default_value = "500")]
    pub iw_points: IwPoints,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Judge the model as an anomaly detector instead: score the whole test set, the classes
    /// the run was trained on (`train --normal-class`, or --normal-class here) normal and the
    /// others abnormal, and report ROC AUC, partial AUC and the calibrated threshold's
    /// precision, recall and F1. K is --iw-samples, 16 unless given.
    #[arg(long)]
    pub anomaly: bool,
    /// The normal classes for --anomaly, comma-separated (default: the run's).
    #[arg(long, requires = "anomaly", value_delimiter = ',', allow_negative_numbers = true, value_parser = in_range::<0, 255>)]
    pub normal_class: Vec<usize>,
}

/// How many test points the importance-weighted estimate uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IwPoints {
    /// The whole test set.
    All,
    /// The first this many (at least 1).
    First(usize),
}

impl IwPoints {
    /// Points used out of a test set of `len`.
    pub fn count(self, len: usize) -> usize {
        match self {
            Self::All => len,
            Self::First(n) => n.min(len),
        }
    }
}

impl std::str::FromStr for IwPoints {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "all" => Ok(Self::All),
            _ => match text.parse::<usize>() {
                Ok(0) => Err("0 is out of range: a number from 1, or all".into()),
                Ok(n) => Ok(Self::First(n)),
                Err(_) => Err(format!("'{text}' is out of range: a number from 1, or all")),
            },
        }
    }
}

/// Options of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The checkpoint whose weights to export.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// The blob to write.
    #[arg(long, short)]
    pub out: PathBuf,
}

/// Options of the picture commands.
#[derive(Debug, Args)]
pub struct PictureArgs {
    /// The checkpoint to draw.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// The PNG to write.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Data to draw from (default: the data the checkpoint was trained on).
    #[command(flatten)]
    pub data: DataArgs,
    /// Images per side (samples, manifold) or digits shown (recon).
    #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = in_range::<1, 64>)]
    pub count: usize,
    /// Seed of the draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Pixels per data pixel.
    #[arg(long, default_value_t = 2, allow_negative_numbers = true, value_parser = in_range::<1, 16>)]
    pub scale: usize,
}

/// Options of `interpolate`.
#[derive(Debug, Args)]
pub struct InterpolateArgs {
    /// The picture's options; --count is the points on the path.
    #[command(flatten)]
    pub picture: PictureArgs,
    /// Test index of the first endpoint.
    #[arg(long, default_value_t = 0)]
    pub from: usize,
    /// Test index of the second endpoint.
    #[arg(long, default_value_t = 1)]
    pub to: usize,
}

/// Options of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Presets to measure (default: vae-mnist, vae-digits and conv-vae-mnist).
    #[arg(long)]
    pub preset: Vec<String>,
    /// Seconds of training measured per preset.
    #[arg(long, default_value = "5", allow_negative_numbers = true, value_parser = seconds_between::<1, 3_600>)]
    pub seconds: f64,
    /// Samples per step (default: each preset's).
    #[arg(long, allow_negative_numbers = true, value_parser = in_range::<1, 65_536>)]
    pub batch_size: Option<usize>,
}

/// A whole number in `LOW..=HIGH`, or a message naming the range.
fn in_range<const LOW: usize, const HIGH: usize>(text: &str) -> Result<usize, String> {
    let range = if HIGH == usize::MAX {
        format!(": at least {LOW}")
    } else {
        format!(" {LOW}..={HIGH}")
    };
    match text.parse::<usize>() {
        Ok(value) if (LOW..=HIGH).contains(&value) => Ok(value),
        Ok(value) => Err(format!("{value} is out of range{range}")),
        Err(_) => Err(format!(
            "'{text}' is not a whole number: out of range{range}"
        )),
    }
}

/// A count of steps in `LOW..=HIGH`, as [`in_range`] checks and words it.
fn steps_in_range<const LOW: usize, const HIGH: usize>(text: &str) -> Result<u64, String> {
    in_range::<LOW, HIGH>(text).map(|steps| steps as u64)
}

/// A number that passes `keep`, or a message naming the range `range`.
fn number_in(text: &str, keep: impl Fn(f32) -> bool, range: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(value) if keep(value) => Ok(value),
        _ => Err(format!("'{text}' is out of range: {range}")),
    }
}

/// A finite number above 0 (learning rate, clip norm).
fn above_zero(text: &str) -> Result<f32, String> {
    number_in(
        text,
        |v| v.is_finite() && v > 0.0,
        "a finite number above 0",
    )
}

/// A finite number of at least 0 (β).
fn at_least_zero(text: &str) -> Result<f32, String> {
    number_in(
        text,
        |v| v.is_finite() && v >= 0.0,
        "a finite number, 0 or more",
    )
}

/// A momentum in [0, 1).
fn momentum(text: &str) -> Result<f32, String> {
    number_in(text, |v| (0.0..1.0).contains(&v), "[0, 1)")
}

/// Seconds in `LOW..=HIGH`, finite, or a message naming the range.
fn seconds_between<const LOW: u64, const HIGH: u64>(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if value.is_finite() && (LOW as f64..=HIGH as f64).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} seconds is out of range {LOW}..={HIGH}"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn numbers_out_of_range_are_refused_with_the_range() {
        assert_eq!(in_range::<1, 64>("7"), Ok(7));
        assert_eq!(
            in_range::<1, 64>("0").unwrap_err(),
            "0 is out of range 1..=64"
        );
        assert_eq!(
            in_range::<1, 64>("-3").unwrap_err(),
            "'-3' is not a whole number: out of range 1..=64"
        );
        assert_eq!(above_zero("1e9"), Ok(1e9));
        for (parse, text) in [
            (above_zero as fn(&str) -> Result<f32, String>, "0"),
            (above_zero, "nan"),
            (above_zero, "-1"),
            (above_zero, "inf"),
            (at_least_zero, "-0.5"),
            (at_least_zero, "inf"),
            (momentum, "1"),
            (momentum, "-0.1"),
            (momentum, "nan"),
        ] {
            assert!(parse(text).unwrap_err().contains("out of range"), "{text}");
        }
        assert_eq!(seconds_between::<0, 1_000_000>("0"), Ok(0.0));
        assert!(seconds_between::<0, 1_000_000>("inf").is_err());
        assert!(seconds_between::<0, 1_000_000>("nan").is_err());
        assert!(seconds_between::<1, 3_600>("1e9").is_err());
    }

    #[test]
    fn the_command_line_refuses_them_before_work() {
        use clap::Parser;
        for args in [
            &["tinyvae", "train", "--batch-size", "1000000000"][..],
            &["tinyvae", "train", "--checkpoint-every", "inf"],
            &["tinyvae", "train", "--checkpoint-every", "-1"],
            &["tinyvae", "train", "--lr", "-1"],
            &["tinyvae", "train", "--lr", "nan"],
            &["tinyvae", "train", "--beta", "-1"],
            &["tinyvae", "train", "--momentum", "1.5"],
            &["tinyvae", "train", "--clip-norm", "0"],
            &["tinyvae", "train", "--epochs", "-2"],
            &["tinyvae", "bench", "--batch-size", "0"],
            &["tinyvae", "bench", "--seconds", "inf"],
            &[
                "tinyvae",
                "sample",
                "--checkpoint",
                "c",
                "--out",
                "o.png",
                "--count",
                "100000",
            ],
            &["tinyvae", "eval", "--checkpoint", "c", "--iw-points", "0"],
            &["tinyvae", "eval", "--checkpoint", "c", "--iw-samples", "0"],
        ] {
            let error = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{args:?}");
            let text = error.to_string();
            // The message names the flag and the range.
            let flag = args[args.len() - 2];
            assert!(text.contains(&format!("'{flag} <")), "{args:?}: {text}");
            assert!(text.contains("range"), "{args:?}: {text}");
        }
    }
}
