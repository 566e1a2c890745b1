//! `tinyvae roc` and `tinyvae histogram`: PNG charts of a checkpoint as an anomaly detector on
//! its test set, labelled as `eval --anomaly` labels it.

use tinyvae_host::anomaly::{PARTIAL_AUC_MAX_FPR, Roc, ScoreKind, ScoreOptions, score_samples};
use tinyvae_host::catalog::Catalog;
use tinyvae_host::checkpoint::Checkpoint;
use tinyvae_host::pictures::{Picture, ScoreHistogram, histogram_picture, roc_picture};
use tinyvae_host::presets::{Preset, PresetVisitor};
use tinyvae_host::train::model::TrainableModel;

use super::anomaly::{chosen_scores, threads};
use super::detect::{DETECT_SEED, test_labels};
use super::{
    CheckpointData, Failure, ModelSizes, checkpoint_data, dispatch, open_checkpoint,
    refuse_checkpoint_output,
};
use crate::cli::DetectorPictureArgs;

/// Which chart to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// The ROC curve of the score.
    Roc,
    /// The score histograms of normal and abnormal samples.
    Histogram,
}

/// Runs `roc` or `histogram`.
pub fn draw<C: Catalog>(
    catalog: &C,
    kind: ChartKind,
    args: DetectorPictureArgs,
) -> Result<(), Failure> {
    refuse_checkpoint_output(&args.out)?;
    let (checkpoint, preset) = open_checkpoint(catalog, &args.checkpoint)?;
    let sizes = ModelSizes::of(catalog);
    let config = checkpoint.config();
    dispatch(
        catalog,
        preset,
        &config,
        ChartVisitor {
            kind,
            args,
            checkpoint,
            sizes,
        },
    )
}

struct ChartVisitor {
    kind: ChartKind,
    args: DetectorPictureArgs,
    checkpoint: Checkpoint,
    sizes: ModelSizes,
}

impl PresetVisitor for ChartVisitor {
    type Output = Result<(), Failure>;

    fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
        let Self {
            kind,
            args,
            checkpoint,
            sizes,
        } = self;
        let model = checkpoint.model::<M>(preset.name).map_err(Failure::input)?;
        let CheckpointData { loaded, .. } =
            checkpoint_data(&checkpoint, &args.data, M::INPUTS, &sizes)?;
        let test = &loaded.split.test;
        let command = match kind {
            ChartKind::Roc => "roc",
            ChartKind::Histogram => "histogram",
        };
        let detector = checkpoint.detector();
        let (classes, anomalous) = test_labels(detector, &args.normal_class, test, command)?;
        let score = args
            .score
            .or(detector.threshold.map(|t| t.score))
            .unwrap_or(ScoreKind::ReconstructionMse);
        let train = checkpoint.config();
        let options = ScoreOptions {
            kinds: chosen_scores::<M>(&[score], &train)?,
            importance_samples: args.iw_samples,
            seed: DETECT_SEED,
            threads: threads(None),
            batched: false,
        };
        let scores = score_samples(&*model, &train, test, &options)
            .map_err(Failure::input)?
            .column(score)
            .unwrap_or_default();
        let roc = Roc::new(&scores, &anomalous).map_err(Failure::input)?;
        let partial = roc
            .partial_auc(PARTIAL_AUC_MAX_FPR)
            .map_err(Failure::input)?;
        let (normal, abnormal) = roc.counts();
        let threshold = detector
            .threshold
            .filter(|t| t.score == score)
            .map(|t| t.value);
        let picture = match kind {
            ChartKind::Roc => roc_picture(&roc, args.width),
            ChartKind::Histogram => {
                let split = |want: bool| -> Vec<f32> {
                    scores
                        .iter()
                        .zip(&anomalous)
                        .filter(|&(_, &a)| a == want)
                        .map(|(&s, _)| s)
                        .collect()
                };
                let histogram =
                    ScoreHistogram::new(&split(false), &split(true), args.bins, threshold);
                histogram_picture(&histogram, threshold, args.width, args.width * 3 / 4)
            }
        };
        save(&args, &picture)?;
        let classes: Vec<_> = classes.iter().map(u8::to_string).collect();
        let threshold = threshold.map_or_else(
            || "no calibrated threshold".to_string(),
            |t| format!("threshold {t}"),
        );
        note!(
            "{} of {}: classes {} normal ({normal}), the others abnormal ({abnormal}); \
             ROC AUC {:.4}, partial AUC at FPR <= {PARTIAL_AUC_MAX_FPR} {partial:.4}; {threshold}",
            score.name(),
            test.name(),
            classes.join(", "),
            roc.auc()
        );
        Ok(())
    }
}

/// Writes `picture` to `--out` and says so.
fn save(args: &DetectorPictureArgs, picture: &Picture) -> Result<(), Failure> {
    picture
        .save(&args.out)
        .map_err(|e| Failure::input(format!("{}: {e}", args.out.display())))?;
    note!(
        "wrote {} ({}×{})",
        args.out.display(),
        picture.width,
        picture.height
    );
    Ok(())
}
