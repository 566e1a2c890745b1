//! The whole tool for a catalog of models: parse the command line, run the command, turn the
//! outcome into the exit code the README documents.

use std::process::ExitCode;

use clap::Parser;
use tinyvae_host::catalog::{Catalog, OneModel};
use tinyvae_host::presets::DefaultData;
use tinyvae_host::train::config::TrainConfig;
use tinyvae_host::train::model::TrainableModel;

use crate::cli::{Cli, Command};
use crate::commands::{self, charts::ChartKind, pictures::PictureKind};

/// Runs the tool with the models of `catalog`: `tinyvae` itself is `run(&Shipped)`.
pub fn run<C: Catalog>(catalog: &C) -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => commands::train::train(catalog, cli.train),
        Some(Command::Train(args)) => commands::train::train(catalog, *args),
        Some(Command::Eval(args)) => commands::eval::eval(catalog, args),
        Some(Command::Export(args)) => commands::eval::export(catalog, args),
        Some(Command::Sample(args)) => {
            commands::pictures::draw(catalog, PictureKind::Samples, args)
        }
        Some(Command::Recon(args)) => {
            commands::pictures::draw(catalog, PictureKind::Reconstructions, args)
        }
        Some(Command::Manifold(args)) => {
            commands::pictures::draw(catalog, PictureKind::Manifold, args)
        }
        Some(Command::Latent(args)) => commands::pictures::draw(catalog, PictureKind::Latent, args),
        Some(Command::Interpolate(args)) => commands::pictures::draw(
            catalog,
            PictureKind::Interpolation {
                from: args.from,
                to: args.to,
            },
            args.picture,
        ),
        Some(Command::Bench(args)) => commands::bench::bench(catalog, args),
        Some(Command::Score(args)) => commands::anomaly::score(catalog, args),
        Some(Command::Calibrate(args)) => commands::calibrate(catalog, args),
        Some(Command::OneClass(args)) => commands::anomaly::one_class(catalog, args),
        Some(Command::Roc(args)) => commands::charts::draw(catalog, ChartKind::Roc, args),
        Some(Command::Histogram(args)) => {
            commands::charts::draw(catalog, ChartKind::Histogram, args)
        }
        Some(Command::Inspect { file }) => commands::inspect::inspect(&file),
        Some(Command::Presets) => commands::list_presets(catalog),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.into(),
    }
}

/// Runs the tool for one model of your own type `M`, called `name`, trained by default on
/// `data` with `config` (every setting can still be changed on the command line):
///
/// ```no_run
/// use tinyvae::host::data::Normalization;
/// use tinyvae::host::presets::DefaultData;
/// use tinyvae::host::train::config::TrainConfig;
///
/// type SensorVae = tinyvae_core::vae::MlpVae<96, 48, 4>;
///
/// fn main() -> std::process::ExitCode {
///     tinyvae::run_model::<SensorVae>(
///         "vae-sensor",
///         "VAE 96-48-4 on sensor windows",
///         DefaultData::File {
///             path: "sensor.csv",
///             label_column: Some("activity"),
///             normalization: Normalization::MeasuredRange,
///         },
///         TrainConfig::default(),
///     )
/// }
/// ```
pub fn run_model<M: TrainableModel>(
    name: &'static str,
    description: &'static str,
    data: DefaultData,
    config: TrainConfig,
) -> ExitCode {
    run(&OneModel::<M>::new(name, description, data, config))
}
