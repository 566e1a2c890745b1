//! `tinyvae sample`, `recon`, `manifold`, `latent` and `interpolate`: PNG pictures of a
//! checkpoint's model.

use super::{
    CheckpointData, DataUse, Failure, ModelSizes, checkpoint_data, dispatch, open_checkpoint,
    refuse_checkpoint_output,
};
use crate::cli::PictureArgs;
use tinyvae_host::catalog::Catalog;
use tinyvae_host::data::Dataset;
use tinyvae_host::eval::Pca;
use tinyvae_host::pictures::{Picture, grid, latent_scatter};
use tinyvae_host::presets::{Preset, PresetVisitor};
use tinyvae_host::train::events::Image;
use tinyvae_host::train::model::{Phase, TrainableModel};
use tinyvae_host::train::snapshot::{SnapshotRequest, interpolate, take_snapshot};

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
    /// Decoded points on the segment between the codes of two test samples, between them.
    Interpolation {
        /// Test index of the first endpoint.
        from: usize,
        /// Test index of the second endpoint.
        to: usize,
    },
}

/// Runs one of the picture commands.
pub fn draw<C: Catalog>(catalog: &C, kind: PictureKind, args: PictureArgs) -> Result<(), Failure> {
    refuse_checkpoint_output(&args.out)?;
    let (checkpoint, preset) = open_checkpoint(catalog, &args.checkpoint)?;
    let sizes = ModelSizes::of(catalog);
    let config = checkpoint.config();
    dispatch(
        catalog,
        preset,
        &config,
        PictureVisitor {
            kind,
            args,
            checkpoint,
            sizes,
        },
    )
}

struct PictureVisitor {
    sizes: ModelSizes,
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
            sizes,
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
            checkpoint_data(&checkpoint, &args.data, M::INPUTS, &sizes)?;
        let data = loaded.split;
        let count = args.count.max(1);
        if let PictureKind::Interpolation { from, to } = kind {
            let sample = |index: usize| {
                data.test.image(index).ok_or_else(|| {
                    Failure::input(format!(
                        "test sample {index} does not exist: the test set has {} samples",
                        data.test.len()
                    ))
                })
            };
            let ends = [sample(from)?, sample(to)?];
            let steps = count.max(2);
            let mut workspace = vec![0.0; M::WORKSPACE * steps];
            let train_config = checkpoint.config();
            let config = M::model_config(&train_config, train_config.beta, Phase::Train);
            let path = interpolate(&*model, &config, ends, steps, &mut workspace)
                .map_err(|e| Failure::input(format!("cannot interpolate: {e}")))?;
            let (width, height) = (data.test.width(), data.test.height());
            let image = |pixels: &[f32]| Image {
                width,
                height,
                pixels: pixels.to_vec(),
            };
            let mut row = vec![image(ends[0])];
            row.extend(path.chunks(M::INPUTS).map(image));
            row.push(image(ends[1]));
            let picture = grid(&row, row.len(), args.scale);
            return save(&args, &picture, &data.test, &used);
        }
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
            interpolation_steps: 0,
        };
        let train_config = checkpoint.config();
        // Decoded as the model's own loss or likelihood reads it.
        let config = M::model_config(&train_config, train_config.beta, Phase::Train);
        // Reconstructions are drawn above the linear baseline with as many components.
        let baseline = (kind == PictureKind::Reconstructions)
            .then(|| {
                let fitted = data.train.subset(..2000);
                Pca::fit(fitted.images(), M::INPUTS, M::LATENT.min(M::INPUTS))
            })
            .transpose()
            .map_err(|e| Failure::input(format!("cannot fit the PCA baseline: {e}")))?;
        let snapshot = take_snapshot(
            &*model,
            &config,
            train_config.noise,
            &data.test,
            &request,
            baseline.as_ref(),
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
                rows.extend(snapshot.pca_reconstructions.iter().cloned());
                note!(
                    "mean Σ(x̂−x)² of the {} digits: model {:.3}, PCA with {} components {:.3}",
                    snapshot.originals.len(),
                    snapshot.model_squared_error,
                    M::LATENT,
                    snapshot.pca_squared_error
                );
                grid(&rows, count, args.scale)
            }
            PictureKind::Latent => latent_scatter(&snapshot.latent, 512 * args.scale.max(1) / 2),
            PictureKind::Interpolation { .. } => grid(&snapshot.interpolation, count, args.scale),
        };
        save(&args, &picture, &data.test, &used)
    }
}

/// Writes `picture` to `--out` and says what it shows.
fn save(
    args: &PictureArgs,
    picture: &Picture,
    test: &Dataset,
    used: &DataUse,
) -> Result<(), Failure> {
    picture
        .save(&args.out)
        .map_err(|e| Failure::input(format!("{}: {e}", args.out.display())))?;
    let source = match used {
        DataUse::TrainedOn => format!("{}, the data it was trained on", test.name()),
        DataUse::Other { path, .. } => format!("{} from {}", test.name(), path.display()),
    };
    note!(
        "wrote {} ({}×{}) from {source}",
        args.out.display(),
        picture.width,
        picture.height
    );
    Ok(())
}
