//! A checkpoint as an anomaly detector: `tinyvae calibrate` sets its threshold, and
//! `tinyvae eval --anomaly` judges it on the whole test set.

use std::fmt::Write as _;

use serde_json::json;
use tinyvae_host::anomaly::{
    Calibration, Confusion, DEFAULT_CALIBRATION, DetectorRecord, OneClass, PARTIAL_AUC_MAX_FPR,
    Roc, ScoreOptions, Threshold, calibrate as set_threshold, score_samples,
};
use tinyvae_host::catalog::Catalog;
use tinyvae_host::checkpoint::Checkpoint;
use tinyvae_host::data::Dataset;
use tinyvae_host::lock::CheckpointLock;
use tinyvae_host::presets::{Preset, PresetVisitor};
use tinyvae_host::train::model::TrainableModel;

use super::anomaly::{chosen_scores, threads};
use super::data::{CheckpointData, ModelSizes, checkpoint_data};
use super::{Failure, dispatch, open_checkpoint, write_stdout};
use crate::cli::{CalibrateArgs, EvalArgs};
use crate::format::classes_text;

/// Seed of the draws of the scores `calibrate` and `eval --anomaly` compute.
pub(super) const DETECT_SEED: u64 = 0xD37E;

/// K of the ELBO and importance-weighted scores of `eval --anomaly` unless `--iw-samples`.
pub const ANOMALY_IW_SAMPLES: usize = 16;

/// Runs `tinyvae calibrate`.
pub fn calibrate<C: Catalog>(catalog: &C, args: CalibrateArgs) -> Result<(), Failure> {
    // No training run may write the checkpoint while its threshold is set.
    let _lock = CheckpointLock::acquire(&args.checkpoint).map_err(Failure::input)?;
    let (checkpoint, preset) = open_checkpoint(catalog, &args.checkpoint)?;
    let sizes = ModelSizes::of(catalog);
    let config = checkpoint.config();
    struct Calibrator {
        args: CalibrateArgs,
        checkpoint: Checkpoint,
        sizes: ModelSizes,
    }
    impl PresetVisitor for Calibrator {
        type Output = Result<(), Failure>;
        fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
            let Self {
                args,
                mut checkpoint,
                sizes,
            } = self;
            let model = checkpoint.model::<M>(preset.name).map_err(Failure::input)?;
            let CheckpointData { loaded, .. } =
                checkpoint_data(&checkpoint, &args.data, M::INPUTS, &sizes)?;
            let train = checkpoint.config();
            let kinds = chosen_scores::<M>(&[args.score], &train)?;
            let normal = normal_samples(checkpoint.detector(), &loaded.split.train)?;
            let rule = match (args.percentile, args.mean_std) {
                (_, Some(k)) => Calibration::MeanPlusStd(k),
                (Some(p), None) => Calibration::Percentile(p),
                (None, None) => DEFAULT_CALIBRATION,
            };
            let options = ScoreOptions {
                kinds,
                importance_samples: args.iw_samples,
                seed: DETECT_SEED,
                threads: threads(args.threads),
                batched: false,
            };
            let scores = score_samples(&*model, &train, &normal, &options)
                .map_err(Failure::input)?
                .column(args.score)
                .unwrap_or_default();
            let samples = scores.len() as u64;
            let mut window = scores;
            let value = set_threshold(&mut window, rule).map_err(Failure::input)?;
            let threshold = Threshold {
                score: args.score,
                importance_samples: if args.score.needs_draws() {
                    args.iw_samples as u32
                } else {
                    1
                },
                rule,
                value,
                samples,
            };
            let detector = DetectorRecord {
                threshold: Some(threshold),
                ..checkpoint.detector().clone()
            };
            checkpoint.set_detector(detector);
            checkpoint.write(&args.checkpoint).map_err(Failure::input)?;
            note!(
                "threshold {value} on {} ({}) from {samples} normal samples of {}, written to {}",
                args.score.name(),
                rule_text(rule),
                normal.name(),
                args.checkpoint.display()
            );
            Ok(())
        }
    }
    dispatch(
        catalog,
        preset,
        &config,
        Calibrator {
            args,
            checkpoint,
            sizes,
        },
    )
}

fn rule_text(rule: Calibration) -> String {
    match rule {
        Calibration::Percentile(p) => format!("the {p}th percentile"),
        Calibration::MeanPlusStd(k) => format!("mean + {k} standard deviations"),
    }
}

/// The normal samples of a training set: those of the run's normal classes, or all.
fn normal_samples(detector: &DetectorRecord, train: &Dataset) -> Result<Dataset, Failure> {
    match &detector.normal_classes {
        None => Ok(train.clone()),
        Some(classes) => OneClass::new(classes)
            .and_then(|protocol| protocol.train_set(train))
            .map_err(Failure::input),
    }
}

/// The normal classes (`asked`, or else the run's) and which samples of `test` are abnormal:
/// those of every other class. `command` names what needs them in the error.
pub(super) fn test_labels(
    detector: &DetectorRecord,
    asked: &[usize],
    test: &Dataset,
    command: &str,
) -> Result<(Vec<u8>, Vec<bool>), Failure> {
    let classes: Vec<u8> = if asked.is_empty() {
        detector.normal_classes.clone().ok_or_else(|| {
            Failure::input(format!(
                "{command} needs the normal classes: the run was not trained with \
                 --normal-class; give --normal-class here"
            ))
        })?
    } else {
        asked.iter().map(|&c| c as u8).collect()
    };
    let protocol = OneClass::new(&classes).map_err(Failure::input)?;
    let anomalous = protocol.anomalous(test).map_err(Failure::input)?;
    Ok((classes, anomalous))
}

/// `eval --anomaly`: the whole test set scored, the run's normal classes normal.
pub fn anomaly_report<M: TrainableModel>(
    model: &M,
    checkpoint: &Checkpoint,
    test: &Dataset,
    args: &EvalArgs,
) -> Result<(), Failure> {
    let detector = checkpoint.detector();
    let (classes, anomalous) = test_labels(detector, &args.normal_class, test, "--anomaly")?;
    let train = checkpoint.config();
    let options = ScoreOptions {
        kinds: chosen_scores::<M>(&[], &train)?,
        importance_samples: args.iw_samples.unwrap_or(ANOMALY_IW_SAMPLES),
        seed: DETECT_SEED,
        threads: threads(None),
        batched: false,
    };
    let scores = score_samples(model, &train, test, &options).map_err(Failure::input)?;
    let mut rows = Vec::new();
    for &kind in &options.kinds {
        let column = scores.column(kind).unwrap_or_default();
        let roc = Roc::new(&column, &anomalous).map_err(Failure::input)?;
        let mut row = json!({
            "score": kind.name(),
            "auc": roc.auc(),
            "partial_auc": roc.partial_auc(PARTIAL_AUC_MAX_FPR).map_err(Failure::input)?,
        });
        if let Some(threshold) = detector.threshold.filter(|t| t.score == kind) {
            let at = Confusion::at(&column, &anomalous, threshold.value).map_err(Failure::input)?;
            row["threshold"] = json!(threshold.value);
            row["precision"] = json!(at.precision());
            row["recall"] = json!(at.recall());
            row["f1"] = json!(at.f1());
            row["false_positive_rate"] = json!(at.false_positive_rate());
        }
        rows.push(row);
    }
    let normal = anomalous.iter().filter(|&&a| !a).count();
    let report = json!({
        "preset": checkpoint.preset(),
        "data": test.name(),
        "normal_classes": classes,
        "test_normal": normal,
        "test_anomalous": anomalous.len() - normal,
        "importance_samples": options.importance_samples,
        "partial_auc_max_fpr": PARTIAL_AUC_MAX_FPR,
        "scores": rows,
    });
    if args.json {
        return write_stdout(&format!("{report}\n"));
    }
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} as a detector on {}: classes {} normal ({normal} samples), the others abnormal ({})",
        checkpoint.preset(),
        test.name(),
        classes_text(Some(&classes)),
        anomalous.len() - normal
    );
    let _ = writeln!(
        text,
        "  {:<6} {:>8} {:>12}   at the calibrated threshold",
        "score", "ROC AUC", "pAUC<=0.1"
    );
    for row in &rows {
        let number = |key: &str| row[key].as_f64().unwrap_or(f64::NAN);
        let _ = write!(
            text,
            "  {:<6} {:>8.4} {:>12.4}",
            row["score"].as_str().unwrap_or("?"),
            number("auc"),
            number("partial_auc")
        );
        if row.get("threshold").is_some() {
            let _ = write!(
                text,
                "   threshold {:.5}: precision {:.4}, recall {:.4}, F1 {:.4}, FPR {:.4}",
                number("threshold"),
                number("precision"),
                number("recall"),
                number("f1"),
                number("false_positive_rate")
            );
        }
        text.push('\n');
    }
    if detector.threshold.is_none() {
        let _ = writeln!(text, "  (no threshold yet: tinyvae calibrate sets one)");
    }
    write_stdout(&text)
}
