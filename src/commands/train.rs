//! `tinyvae train`: the dashboard or the headless run.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use tinyvae_core::autoencoder::ReconstructionLoss;
use tinyvae_core::noise::Noise;
use tinyvae_core::vae::{GaussianVariance, Likelihood};

use super::detector::{epoch_probe, keep_normal_training_samples, run_detector};
use super::resume::apply_changes;
use super::run_end::{check_outputs, open_metrics, run_end};
use super::{
    CheckpointData, Failure, ModelSizes, check_unit_interval, checkpoint_data, default_path,
    default_spec, dispatch, exit, is_variational, load_data, open_checkpoint, spec_from_args,
};
use crate::cli::{LikelihoodArg, LossArg, OptimizerArg, OutputArg, TrainArgs, VarianceArg};
use crate::render::Renderer;
use crate::render::driver::{self, Outcome};
use crate::render::metrics::WithMetrics;
use crate::render::plain::HeadlessRenderer;
use crate::render::signals::Signals;
use crate::render::tui::{self, DashboardOptions, TerminalDashboard};
use tinyvae_host::catalog::Catalog;
use tinyvae_host::data::{DataRecord, EVALUATION_BINARIZATION_SEED, binarize_once};
use tinyvae_host::files::RunFiles;
use tinyvae_host::presets::{Preset, PresetVisitor};
use tinyvae_host::train::config::{OptimizerChoice, TrainConfig};
use tinyvae_host::train::detection::DetectionProbe;
use tinyvae_host::train::events::{Command, RunInfo, TrainingEvent};
use tinyvae_host::train::model::TrainableModel;
use tinyvae_host::train::options::{ReportEvery, WorkerOptions};
use tinyvae_host::train::trainer::Trainer;
use tinyvae_host::train::worker::{Channels, run_training};

/// Parses `none`, `gaussian:SIGMA` or `mask:P`.
pub fn parse_noise(text: &str) -> Result<Noise, String> {
    let (kind, value) = text.split_once(':').unwrap_or((text, ""));
    let number = || {
        value
            .parse::<f32>()
            .map_err(|_| format!("'{value}' in --noise {text} is not a number"))
    };
    let noise = match kind {
        "none" => Noise::None,
        "gaussian" => Noise::Gaussian { std_dev: number()? },
        "mask" | "masking" => Noise::Masking {
            keep_probability: number()?,
        },
        _ => {
            return Err(format!(
                "--noise takes none, gaussian:SIGMA or mask:KEEP_PROBABILITY, not '{text}'"
            ));
        }
    };
    noise.validate().map_err(|_| match noise {
        Noise::Masking { .. } => {
            format!("--noise {text}: the keep probability is out of range (0, 1]")
        }
        _ => format!("--noise {text}: SIGMA is out of range: a finite number, 0 or more"),
    })?;
    Ok(noise)
}

/// The loss (autoencoders) or likelihood (VAEs) that `--loss`, `--likelihood`, `--output` and
/// `--variance` ask for, into `config`; a flag the model does not take is refused, naming it.
///
/// `--output` defaults to linear: squared error on ℓ itself and a Gaussian whose mean is ℓ fit
/// data of any range, the real-valued data these choices are for; `--output sigmoid` squashes
/// for data in [0, 1]. `--variance` defaults to fixed:1, which keeps the preset's weights
/// as they are; `learned` adds one log σ² per feature to the model.
fn reconstruction_from_args(
    config: &mut TrainConfig,
    args: &TrainArgs,
    name: &str,
    variational: bool,
) -> Result<(), String> {
    if variational {
        if args.loss.is_some() {
            return Err(format!(
                "--loss applies to autoencoders; {name} is a VAE: use --likelihood bernoulli|gaussian"
            ));
        }
        let gaussian = args.likelihood == Some(LikelihoodArg::Gaussian);
        if args.variance.is_some() && !gaussian {
            return Err("--variance applies to --likelihood gaussian".into());
        }
        if args.output == Some(OutputArg::Linear) && !gaussian {
            return Err(
                "--output linear needs --likelihood gaussian: the Bernoulli decoder reads σ(ℓ)"
                    .into(),
            );
        }
        config.likelihood = match args.likelihood {
            None => config.likelihood,
            Some(LikelihoodArg::Bernoulli) => Likelihood::Bernoulli,
            Some(LikelihoodArg::Gaussian) => {
                let variance = args.variance.unwrap_or(VarianceArg::Fixed(1.0));
                match (args.output.unwrap_or(OutputArg::Linear), variance) {
                    (OutputArg::Linear, VarianceArg::Fixed(v)) => Likelihood::LinearGaussian {
                        variance: GaussianVariance::Fixed(v),
                    },
                    (OutputArg::Linear, VarianceArg::Learned) => Likelihood::LinearGaussian {
                        variance: GaussianVariance::Learned,
                    },
                    (OutputArg::Sigmoid, VarianceArg::Fixed(variance)) => {
                        Likelihood::Gaussian { variance }
                    }
                    (OutputArg::Sigmoid, VarianceArg::Learned) => {
                        return Err("--variance learned needs --output linear: a learned \
                                    variance is for real-valued data"
                            .into());
                    }
                }
            }
        };
        return Ok(());
    }
    if args.likelihood.is_some() {
        return Err(format!(
            "--likelihood applies to VAEs; {name} is an autoencoder: use --loss ce|mse"
        ));
    }
    if args.variance.is_some() {
        return Err(format!(
            "--variance applies to VAEs with --likelihood gaussian; {name} is an autoencoder"
        ));
    }
    config.loss = match (args.loss, args.output) {
        (Some(LossArg::Mse), Some(OutputArg::Sigmoid)) => ReconstructionLoss::SquaredError,
        (Some(LossArg::Mse), _) => ReconstructionLoss::LinearSquaredError,
        (_, Some(OutputArg::Linear)) => {
            return Err("--output linear needs --loss mse: cross-entropy reads σ(ℓ)".into());
        }
        (Some(LossArg::Ce), _) => ReconstructionLoss::CrossEntropy,
        (None, _) => config.loss,
    };
    Ok(())
}

/// The preset's settings with the command line's on top.
pub fn config_from_args(
    preset: &Preset,
    variational: bool,
    args: &TrainArgs,
) -> Result<TrainConfig, String> {
    config_over(preset.config, preset.name, variational, args)
}

/// `base`, the settings of a run of the model `name`, with the command line's on top,
/// validated.
pub fn config_over(
    base: TrainConfig,
    name: &str,
    variational: bool,
    args: &TrainArgs,
) -> Result<TrainConfig, String> {
    let mut config = base;
    if let Some(v) = args.epochs {
        config.epochs = v;
    }
    if let Some(v) = args.batch_size {
        config.batch_size = v;
    }
    match args.optimizer {
        Some(OptimizerArg::Adam) => config.optimizer = OptimizerChoice::Adam,
        Some(OptimizerArg::Sgd) => {
            config.optimizer = OptimizerChoice::Sgd {
                momentum: args.momentum.unwrap_or(0.9),
            }
        }
        None => {}
    }
    match (args.momentum, config.optimizer) {
        (Some(momentum), OptimizerChoice::Sgd { .. }) => {
            config.optimizer = OptimizerChoice::Sgd { momentum };
        }
        (Some(_), OptimizerChoice::Adam) => {
            return Err(
                "--momentum applies to SGD; the optimizer is Adam (add --optimizer sgd)".into(),
            );
        }
        (None, _) => {}
    }
    if let Some(v) = args.lr {
        config.learning_rate = v;
    }
    if let Some(v) = args.beta {
        config.beta = v;
    }
    if let Some(v) = args.kl_warmup {
        config.kl_warmup_steps = v;
    }
    if let Some(text) = &args.noise {
        config.noise = parse_noise(text)?;
        if variational && config.noise != Noise::None {
            return Err(format!(
                "--noise applies to autoencoders; {name} is a VAE, which is not trained as a \
                 denoising VAE"
            ));
        }
    }
    reconstruction_from_args(&mut config, args, name, variational)?;
    if let Some(v) = args.seed {
        config.seed = v;
    }
    config.dynamic_binarization |= args.binarize;
    if args.clip_norm.is_some() {
        config.clip_norm = args.clip_norm;
    }
    if args.limit.is_some() {
        config.train_limit = args.limit;
    }
    if let Some(v) = args.pretrain_epochs {
        config.pretrain_epochs = v;
    }
    config.validate()?;
    Ok(config)
}

/// Runs `tinyvae train`.
pub fn train<C: Catalog>(catalog: &C, args: TrainArgs) -> Result<(), Failure> {
    let (preset, resume) = match &args.resume {
        Some(path) => {
            let (checkpoint, preset) = open_checkpoint(catalog, path)?;
            (preset, Some(checkpoint))
        }
        None => match &args.preset {
            Some(name) => (catalog.find(name).map_err(Failure::input)?, None),
            None => (catalog.default_preset(), None),
        },
    };
    let sizes = ModelSizes::of(catalog);
    // The settings pick the model type (a learned decoder variance is a weight of its own).
    let config = match &resume {
        Some(checkpoint) => checkpoint.config(),
        None => config_from_args(preset, is_variational(catalog, preset), &args)
            .map_err(Failure::input)?,
    };
    dispatch(
        catalog,
        preset,
        &config,
        TrainVisitor {
            args,
            resume,
            sizes,
            config,
        },
    )
}

struct TrainVisitor {
    sizes: ModelSizes,
    args: TrainArgs,
    resume: Option<tinyvae_host::checkpoint::Checkpoint>,
    config: TrainConfig,
}

impl PresetVisitor for TrainVisitor {
    type Output = Result<(), Failure>;

    fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
        let Self {
            args,
            resume,
            sizes,
            config,
        } = self;
        if args.pretrain_epochs.is_some() && M::PRETRAIN_STAGES == 0 {
            return Err(Failure::input(format!(
                "--pretrain-epochs applies to stacked models; {} has no layers to pretrain",
                preset.name
            )));
        }
        let detector = run_detector(&args.normal_class, resume.as_ref().map(|c| c.detector()))?;
        let (trainer, mut data, record): (Trainer<M>, _, _) = match resume {
            Some(checkpoint) => {
                let CheckpointData { loaded, record, .. } =
                    checkpoint_data(&checkpoint, &args.data, M::INPUTS, &sizes)?;
                let mut trainer = checkpoint
                    .into_trainer(preset.name)
                    .map_err(Failure::input)?;
                for change in apply_changes(&mut trainer, preset.name, &args)? {
                    note!("resuming with {change}");
                }
                (trainer, loaded.split, record)
            }
            None => {
                let mut spec = match spec_from_args(&args.data)? {
                    Some(spec) => spec,
                    None => default_spec(preset)?,
                };
                if let Some(normalization) = args.data.normalize {
                    spec.normalization = normalization;
                }
                let loaded = load_data(&spec, M::INPUTS, &sizes)?;
                let record = DataRecord::of(&spec, &loaded);
                (
                    Trainer::initialized(config, preset.initialization).map_err(Failure::input)?,
                    loaded.split,
                    record,
                )
            }
        };
        keep_normal_training_samples(&detector, &mut data)?;
        trainer.check_data(&data.train).map_err(Failure::input)?;
        let mut trainer = trainer;
        if let Some(note) = trainer.fit_position(&data.train) {
            note!("tinyvae: {note}");
        }
        check_unit_interval::<M>(trainer.config(), &data)?;
        if trainer.config().dynamic_binarization {
            // Test losses of a binarized model are measured on binary images, as in eval.
            data.test = binarize_once(&data.test, EVALUATION_BINARIZATION_SEED);
        }
        let headless = args.headless || !io::stdout().is_terminal() || !tui::dashboard_supported();
        let probe = epoch_probe::<M>(&detector, trainer.config(), &data);
        let mut info = RunInfo::new(&trainer, &data, preset.name);
        if probe.is_some() {
            info.normal_classes.clone_from(&detector.normal_classes);
        }
        // A resumed run saves back to the checkpoint it resumed.
        let checkpoint = args
            .checkpoint
            .clone()
            .or_else(|| args.resume.clone())
            .unwrap_or_else(|| default_path(preset, "ckpt"));
        let files = RunFiles {
            preset: preset.name.to_string(),
            data: record,
            weights: args
                .export
                .clone()
                .unwrap_or_else(|| weights_beside(&checkpoint)),
            checkpoint,
            detector,
        };
        let options = WorkerOptions {
            report: if headless {
                ReportEvery::Steps(args.log_every.max(1))
            } else {
                ReportEvery::Interval(Duration::from_millis(100))
            },
            snapshots: (!headless).then_some(Duration::from_millis(1000)),
            checkpoint_interval: Some(Duration::from_secs_f64(args.checkpoint_every.max(0.0))),
            digits_shown: 8,
        };

        let (event_sender, events) = mpsc::channel();
        let (commands, command_receiver) = mpsc::channel();
        let data = Arc::new(data);
        let worker_data = Arc::clone(&data);
        let lock = files.prepare().map_err(Failure::input)?;
        check_outputs(&args, &files)?;
        let metrics = open_metrics(&args)?;
        let worker_files = files.clone();
        let worker = std::thread::Builder::new()
            .name("training".into())
            .spawn(move || {
                run_training(
                    trainer,
                    &worker_data,
                    info,
                    &options,
                    &worker_files,
                    probe.as_ref().map(|p| p as &dyn DetectionProbe<M>),
                    Channels {
                        events: &event_sender,
                        commands: &command_receiver,
                    },
                )
            })
            .map_err(|e| Failure::input(format!("cannot start the training thread: {e}")))?;

        let session = render(&args, headless, metrics, &events, &commands);
        let end = worker.join().map_err(|_| Failure {
            message: "the training thread panicked".into(),
            code: exit::TRAINING_FAILED,
        })?;
        drop(lock);
        run_end(end, session, &files)
    }
}

/// Shows the run on the dashboard or headless until the session ends (see
/// [`driver::drive`]); by then the trainer was asked to save and stop, whatever happened.
fn render(
    args: &TrainArgs,
    headless: bool,
    metrics: Option<Box<dyn Write>>,
    events: &Receiver<TrainingEvent>,
    commands: &Sender<Command>,
) -> Result<Outcome, Failure> {
    let session = Signals::register()
        .map_err(|e| Failure::input(format!("cannot install signal handler: {e}")))
        .and_then(|signals| {
            let mut renderer = start_renderer(args, headless, metrics)?;
            driver::drive(renderer.as_mut(), events, commands, &signals).map_err(Failure::input)
        });
    if session.is_err() {
        // The driver has asked already if it ran; asking twice does no harm.
        let _ = commands.send(Command::Stop { save: true });
    }
    session
}

/// The dashboard on this terminal, or the plain renderer: progress on stderr, JSON lines on
/// stdout or in the `--metrics` file.
fn start_renderer(
    args: &TrainArgs,
    headless: bool,
    metrics_file: Option<Box<dyn Write>>,
) -> Result<Box<dyn Renderer>, Failure> {
    if !headless {
        let options = DashboardOptions::from_environment(args.ascii);
        let dashboard = TerminalDashboard::start(&options)
            .map_err(|e| Failure::input(format!("terminal error: {e}")))?;
        // The dashboard's run writes the same metrics a headless run would.
        return Ok(match metrics_file {
            Some(metrics) => Box::new(WithMetrics::new(dashboard, metrics)),
            None => Box::new(dashboard),
        });
    }
    let metrics: Box<dyn Write> = match metrics_file {
        Some(metrics) => metrics,
        None => Box::new(io::stdout().lock()),
    };
    let stderr = io::stderr();
    let interactive = stderr.is_terminal();
    Ok(Box::new(HeadlessRenderer::new(
        stderr.lock(),
        metrics,
        interactive,
    )))
}

/// Where `e` writes the device weights unless told: beside the checkpoint, with its name and
/// the extension `tvw` (`runs/a.ckpt` → `runs/a.tvw`), never the checkpoint's own path.
fn weights_beside(checkpoint: &Path) -> PathBuf {
    let weights = checkpoint.with_extension("tvw");
    if weights == checkpoint {
        let mut name = weights.into_os_string();
        name.push(".tvw");
        return name.into();
    }
    weights
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn noise_out_of_range_is_refused_naming_the_flag_and_the_range() {
        assert_eq!(
            parse_noise("gaussian:0.2"),
            Ok(Noise::Gaussian { std_dev: 0.2 })
        );
        for text in [
            "gaussian:-1",
            "gaussian:nan",
            "gaussian:inf",
            "mask:0",
            "mask:1.5",
        ] {
            let error = parse_noise(text).unwrap_err();
            assert!(
                error.contains("--noise") && error.contains("range"),
                "{error}"
            );
        }
    }

    #[test]
    fn weights_go_beside_the_checkpoint_never_over_it() {
        for (checkpoint, weights) in [
            ("runs/a.ckpt", "runs/a.tvw"),
            ("b", "b.tvw"),
            ("c.tvw", "c.tvw.tvw"),
        ] {
            assert_eq!(weights_beside(Path::new(checkpoint)), Path::new(weights));
        }
    }
}
