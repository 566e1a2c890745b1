//! tinyvae: a terminal trainer for autoencoders and variational autoencoders.

use std::process::ExitCode;

use clap::Parser;
use tinyvae::cli::{Cli, Command};
use tinyvae::commands::{self, pictures::PictureKind};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => commands::train::train(cli.train),
        Some(Command::Train(args)) => commands::train::train(*args),
        Some(Command::Eval(args)) => commands::eval::eval(args),
        Some(Command::Export(args)) => commands::eval::export(args),
        Some(Command::Sample(args)) => commands::pictures::draw(PictureKind::Samples, args),
        Some(Command::Recon(args)) => commands::pictures::draw(PictureKind::Reconstructions, args),
        Some(Command::Manifold(args)) => commands::pictures::draw(PictureKind::Manifold, args),
        Some(Command::Latent(args)) => commands::pictures::draw(PictureKind::Latent, args),
        Some(Command::Bench(args)) => commands::bench::bench(args),
        Some(Command::Presets) => commands::list_presets(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.into(),
    }
}
