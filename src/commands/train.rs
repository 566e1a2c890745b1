//! `tinyvae train`: the dashboard or the headless run.

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use tinyvae_core::autoencoder::ReconstructionLoss;
use tinyvae_core::noise::Noise;
use tinyvae_core::vae::{GaussianVariance, Likelihood};

use super::{
    CheckpointData, Failure, check_unit_interval, checkpoint_data, default_path, exit, load_data,
    open_checkpoint, preset_is_variational, shipped_spec, spec_from_args,
};
use crate::cli::{LikelihoodArg, LossArg, OptimizerArg, OutputArg, TrainArgs, VarianceArg};
use crate::headless::HeadlessRenderer;
use crate::ui::{self, DashboardOptions};
use tinyvae_host::data::DataRecord;
use tinyvae_host::files::RunFiles;
use tinyvae_host::presets::{Preset, PresetVisitor, find_preset, with_preset_config};
use tinyvae_host::train::config::{OptimizerChoice, TrainConfig};
use tinyvae_host::train::events::{Command, RunInfo, RunState, TrainingEvent};
use tinyvae_host::train::model::TrainableModel;
use tinyvae_host::train::options::{ReportEvery, WorkerOptions};
use tinyvae_host::train::trainer::Trainer;
use tinyvae_host::train::worker::{RunEnd, run_training};

/// Parses `none`, `gaussian:SIGMA` or `mask:P`.
pub fn parse_noise(text: &str) -> Result<Noise, String> {
    let (kind, value) = text.split_once(':').unwrap_or((text, ""));
    let number = || {
        value
            .parse::<f32>()
            .map_err(|_| format!("'{value}' in --noise {text} is not a number"))
    };
    match kind {
        "none" => Ok(Noise::None),
        "gaussian" => Ok(Noise::Gaussian { std_dev: number()? }),
        "mask" | "masking" => Ok(Noise::Masking {
            keep_probability: number()?,
        }),
        _ => Err(format!(
            "--noise takes none, gaussian:SIGMA or mask:KEEP_PROBABILITY, not '{text}'"
        )),
    }
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
    preset: &Preset,
    variational: bool,
) -> Result<(), String> {
    let name = preset.name;
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
pub fn config_from_args(preset: &'static Preset, args: &TrainArgs) -> Result<TrainConfig, String> {
    let mut config = preset.config;
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
    if let (Some(momentum), OptimizerChoice::Sgd { .. }) = (args.momentum, config.optimizer) {
        config.optimizer = OptimizerChoice::Sgd { momentum };
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
    let variational = preset_is_variational(preset);
    if let Some(text) = &args.noise {
        config.noise = parse_noise(text)?;
        if variational && config.noise != Noise::None {
            return Err(format!(
                "--noise applies to autoencoders; {} is a VAE, which is not trained as a \
                 denoising VAE",
                preset.name
            ));
        }
    }
    reconstruction_from_args(&mut config, args, preset, variational)?;
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
pub fn train(args: TrainArgs) -> Result<(), Failure> {
    let (preset, resume) = match &args.resume {
        Some(path) => {
            let (checkpoint, preset) = open_checkpoint(path)?;
            (preset, Some(checkpoint))
        }
        None => (find_preset(&args.preset).map_err(Failure::input)?, None),
    };
    // The settings pick the model type (a learned decoder variance is a weight of its own).
    let config = match &resume {
        Some(checkpoint) => checkpoint.config(),
        None => config_from_args(preset, &args).map_err(Failure::input)?,
    };
    with_preset_config(
        preset,
        &config,
        TrainVisitor {
            args,
            resume,
            config,
        },
    )
}

struct TrainVisitor {
    args: TrainArgs,
    resume: Option<tinyvae_host::checkpoint::Checkpoint>,
    config: TrainConfig,
}

impl PresetVisitor for TrainVisitor {
    type Output = Result<(), Failure>;

    fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
        let args = self.args;
        let (trainer, data, record): (Trainer<M>, _, _) = match self.resume {
            Some(checkpoint) => {
                let CheckpointData { loaded, record, .. } =
                    checkpoint_data(&checkpoint, &args.data, M::INPUTS)?;
                let trainer = checkpoint
                    .into_trainer(preset.name)
                    .map_err(Failure::input)?;
                (trainer, loaded.split, record)
            }
            None => {
                let mut spec = spec_from_args(&args.data)?.unwrap_or_else(|| shipped_spec(preset));
                if let Some(normalization) = args.data.normalize {
                    spec.normalization = normalization;
                }
                let loaded = load_data(&spec, M::INPUTS)?;
                let record = DataRecord::of(&spec, &loaded);
                (
                    Trainer::new(self.config).map_err(Failure::input)?,
                    loaded.split,
                    record,
                )
            }
        };
        trainer.check_data(&data.train).map_err(Failure::input)?;
        check_unit_interval::<M>(trainer.config(), &data)?;
        let headless = args.headless || !io::stdout().is_terminal();
        let info = RunInfo::new(&trainer, &data, preset.name);
        let files = RunFiles {
            preset: preset.name.to_string(),
            data: record,
            checkpoint: args
                .checkpoint
                .clone()
                .unwrap_or_else(|| default_path(preset, "ckpt")),
            weights: args
                .export
                .clone()
                .unwrap_or_else(|| default_path(preset, "tvw")),
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
                    &event_sender,
                    &command_receiver,
                )
            })
            .map_err(|e| Failure::input(format!("cannot start the training thread: {e}")))?;

        let interrupted = if headless {
            render_headless(&args, events, &commands)?
        } else {
            let exit = ui::run(
                events,
                commands,
                DashboardOptions::from_environment(args.ascii),
            )
            .map_err(|e| Failure::input(format!("terminal error: {e}")))?;
            exit.signal().is_some()
        };
        let end = worker.join().map_err(|_| Failure {
            message: "the training thread panicked".into(),
            code: exit::TRAINING_FAILED,
        })?;
        match end {
            RunEnd::Failed => Err(Failure {
                message: "training stopped; the last checkpoint is intact".into(),
                code: exit::TRAINING_FAILED,
            }),
            _ if interrupted => Err(Failure {
                message: format!(
                    "interrupted; checkpoint saved to {}",
                    files.checkpoint.display()
                ),
                code: exit::INTERRUPTED,
            }),
            _ => Ok(()),
        }
    }
}

/// Renders the headless run until the worker hangs up. Ctrl-C, SIGTERM and SIGHUP ask the
/// worker to save and stop; returns whether that happened.
fn render_headless(
    args: &TrainArgs,
    events: mpsc::Receiver<TrainingEvent>,
    commands: &mpsc::Sender<Command>,
) -> Result<bool, Failure> {
    let interrupt = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&interrupt))
            .map_err(|e| Failure::input(format!("cannot install signal handler: {e}")))?;
    }
    let metrics: Box<dyn Write> = match &args.metrics {
        Some(path) => {
            Box::new(io::BufWriter::new(File::create(path).map_err(|e| {
                Failure::input(format!("{}: {e}", path.display()))
            })?))
        }
        None => Box::new(io::stdout().lock()),
    };
    let stderr = io::stderr();
    let interactive = stderr.is_terminal();
    let mut renderer = HeadlessRenderer::new(stderr.lock(), metrics, interactive);
    let mut asked_to_stop = false;
    let mut stop_sent = false;
    loop {
        if interrupt.load(Ordering::Relaxed) && !asked_to_stop {
            asked_to_stop = true;
            stop_sent = true;
            let _ = commands.send(Command::Stop { save: true });
        }
        match events.recv_timeout(Duration::from_millis(50)) {
            Ok(event) => {
                renderer
                    .render(&event)
                    .map_err(|e| Failure::input(format!("cannot write metrics: {e}")))?;
                // Headless runs end with the schedule: save and hang up so the worker returns.
                if event == TrainingEvent::state(RunState::Done) && !stop_sent {
                    stop_sent = true;
                    let _ = commands.send(Command::Stop { save: true });
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    renderer
        .finish()
        .map_err(|e| Failure::input(format!("cannot write metrics: {e}")))?;
    Ok(asked_to_stop)
}
