//! `tinyvae sample`, `recon`, `manifold` and `latent`: PNG pictures of a checkpoint's model.

use super::{CheckpointData, DataUse, Failure, checkpoint_data, open_checkpoint};
use crate::cli::PictureArgs;
use tinyvae_host::pictures::{grid, latent_scatter};
use tinyvae_host::presets::{Preset, PresetVisitor, with_preset_config};
use tinyvae_host::train::model::{Phase, TrainableModel};
use tinyvae_host::train::snapshot::{SnapshotRequest, take_snapshot};

/// Which picture to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PictureKind {
    /// Samples from the prior.
    Samples,
    /// Test digits above their reconstructions.
    Reconstructions,
    /// The decoded 2-D latent grid.
    Manifold,
    /// The latent scatter coloured by digit.
    Latent,
}

/// Runs one of the picture commands.
pub fn draw(kind: PictureKind, args: PictureArgs) -> Result<(), Failure> {
    let (checkpoint, preset) = open_checkpoint(&args.checkpoint)?;
    with_preset_config(
        preset,
        &checkpoint.config(),
        PictureVisitor {
            kind,
            args,
            checkpoint,
        },
    )
}

struct PictureVisitor {
    kind: PictureKind,
    args: PictureArgs,
    checkpoint: tinyvae_host::checkpoint::Checkpoint,
}

impl PresetVisitor for PictureVisitor {
    type Output = Result<(), Failure>;

    fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
        let Self {
            kind,
            args,
            checkpoint,
        } = self;
        let model = checkpoint.model::<M>(preset.name).map_err(Failure::input)?;
        match kind {
            PictureKind::Samples | PictureKind::Manifold if !M::IS_VARIATIONAL => {
                return Err(Failure::input(format!(
                    "{} has no prior to sample: it is not a VAE",
                    preset.name
                )));
            }
            PictureKind::Manifold if M::LATENT != 2 => {
                return Err(Failure::input(format!(
                    "the manifold needs a 2-D latent; {} has {} dimensions (try vae-mnist-2d)",
                    preset.name,
                    M::LATENT
                )));
            }
            _ => {}
        }
        let CheckpointData { loaded, used, .. } =
            checkpoint_data(&checkpoint, &args.data, M::INPUTS)?;
        let data = loaded.split;
        let count = args.count.max(1);
        let request = SnapshotRequest {
            first_index: 0,
            digits: if kind == PictureKind::Reconstructions {
                count
            } else {
                0
            },
            samples: if kind == PictureKind::Samples {
                count * count
            } else {
                0
            },
            latent_points: if kind == PictureKind::Latent {
                data.test.len()
            } else {
                0
            },
            manifold_size: if kind == PictureKind::Manifold {
                count
            } else {
                0
            },
            seed: args.seed,
        };
        let train_config = checkpoint.config();
        // Decoded as the model's own loss or likelihood reads it.
        let config = M::model_config(&train_config, train_config.beta, Phase::Train);
        let snapshot = take_snapshot(
            &*model,
            &config,
            train_config.noise,
            &data.test,
            &request,
            checkpoint.step(),
        )
        .map_err(|e| Failure::input(format!("cannot draw: {e}")))?;
        let picture = match kind {
            PictureKind::Samples => grid(&snapshot.samples, count, args.scale),
            PictureKind::Manifold => grid(&snapshot.manifold, count, args.scale),
            PictureKind::Reconstructions => {
                let mut rows = snapshot.originals.clone();
                rows.extend(snapshot.corrupted.iter().cloned());
                rows.extend(snapshot.reconstructions.iter().cloned());
                grid(&rows, count, args.scale)
            }
            PictureKind::Latent => latent_scatter(&snapshot.latent, 512 * args.scale.max(1) / 2),
        };
        picture
            .save(&args.out)
            .map_err(|e| Failure::input(format!("{}: {e}", args.out.display())))?;
        let source = match &used {
            DataUse::TrainedOn => format!("{}, the data it was trained on", data.test.name()),
            DataUse::Other { path, .. } => format!("{} from {}", data.test.name(), path.display()),
        };
        eprintln!(
            "wrote {} ({}×{}) from {source}",
            args.out.display(),
            picture.width,
            picture.height
        );
        Ok(())
    }
}
