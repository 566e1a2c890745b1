//! `tinyvae score` (every sample's anomaly scores, a row each) and `tinyvae one-class` (the
//! one-class protocol over the classes of labelled data).

use std::fmt::Write as _;

use serde_json::json;
use tinyvae_host::anomaly::{
    OneClass, PARTIAL_AUC_MAX_FPR, ProtocolResult, SampleScores, ScoreKind, ScoreOptions,
    available_scores, one_class_run, score_samples,
};
use tinyvae_host::catalog::Catalog;
use tinyvae_host::data::Dataset;
use tinyvae_host::presets::{Preset, PresetVisitor};
use tinyvae_host::train::config::TrainConfig;
use tinyvae_host::train::model::TrainableModel;

use super::data::{
    CheckpointData, ModelSizes, checkpoint_data, default_spec, load_data, spec_from_args,
};
use super::{Failure, dispatch, open_checkpoint, write_stdout};
use crate::cli::{OneClassArgs, RowFormat, ScoreArgs};

/// Seed of the ELBO and importance-weighted draws of `score`: sample i draws from `SEED + i`.
const SCORE_SEED: u64 = 0x5C0E;

/// The scores asked, or every one the model has; one it has not is refused.
pub(super) fn chosen_scores<M: TrainableModel>(
    asked: &[ScoreKind],
    train: &TrainConfig,
) -> Result<Vec<ScoreKind>, Failure> {
    let available = available_scores::<M>(train);
    if asked.is_empty() {
        return Ok(available);
    }
    for kind in asked {
        if !available.contains(kind) {
            return Err(Failure::input(format!(
                "--scores {}: this model has no such score; it has {}",
                kind.name(),
                names(&available, ", ")
            )));
        }
    }
    Ok(asked.to_vec())
}

/// The threads asked, or every core.
pub(super) fn threads(asked: Option<usize>) -> usize {
    asked.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `tinyvae score`.
pub fn score<C: Catalog>(catalog: &C, args: ScoreArgs) -> Result<(), Failure> {
    let (checkpoint, preset) = open_checkpoint(catalog, &args.checkpoint)?;
    let sizes = ModelSizes::of(catalog);
    let config = checkpoint.config();
    struct Scorer {
        args: ScoreArgs,
        checkpoint: tinyvae_host::checkpoint::Checkpoint,
        sizes: ModelSizes,
    }
    impl PresetVisitor for Scorer {
        type Output = Result<(), Failure>;
        fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
            let Self {
                args,
                checkpoint,
                sizes,
            } = self;
            let model = checkpoint.model::<M>(preset.name).map_err(Failure::input)?;
            let CheckpointData { loaded, .. } =
                checkpoint_data(&checkpoint, &args.data, M::INPUTS, &sizes)?;
            let train = checkpoint.config();
            let options = ScoreOptions {
                kinds: chosen_scores::<M>(&args.scores, &train)?,
                importance_samples: args.iw_samples,
                seed: SCORE_SEED,
                threads: threads(args.threads),
                batched: false,
            };
            let test = &loaded.split.test;
            let scores = score_samples(&*model, &train, test, &options).map_err(Failure::input)?;
            note!(
                "scored {} samples of {} with {} ({})",
                scores.len(),
                test.name(),
                preset.name,
                names(&options.kinds, ", ")
            );
            write_stdout(&rows(test, &scores, args.output_format))
        }
    }
    dispatch(
        catalog,
        preset,
        &config,
        Scorer {
            args,
            checkpoint,
            sizes,
        },
    )
}

/// The kinds' names joined by `separator`.
fn names(kinds: &[ScoreKind], separator: &str) -> String {
    kinds
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(separator)
}

/// The rows of `score`: index, label if any, each score.
fn rows(data: &Dataset, scores: &SampleScores, format: RowFormat) -> String {
    let mut text = String::new();
    let labelled = data.labels().is_some();
    if format == RowFormat::Csv {
        let label = if labelled { ",label" } else { "" };
        let _ = writeln!(text, "index{label},{}", names(&scores.kinds, ","));
    }
    for i in 0..scores.len() {
        let label = data.label(i);
        match format {
            RowFormat::Json => {
                let mut row = json!({ "index": i });
                if let Some(label) = label {
                    row["label"] = json!(label);
                }
                for (kind, value) in scores.kinds.iter().zip(scores.sample(i)) {
                    row[kind.name()] = json!(value);
                }
                let _ = writeln!(text, "{row}");
            }
            RowFormat::Csv => {
                let _ = write!(text, "{i}");
                if let Some(label) = label {
                    let _ = write!(text, ",{label}");
                }
                for value in scores.sample(i) {
                    let _ = write!(text, ",{value}");
                }
                text.push('\n');
            }
        }
    }
    text
}

/// Runs `tinyvae one-class`.
pub fn one_class<C: Catalog>(catalog: &C, args: OneClassArgs) -> Result<(), Failure> {
    let preset = catalog.find(&args.preset).map_err(Failure::input)?;
    let mut config = preset.config;
    config.seed = args.seed;
    if let Some(epochs) = args.epochs {
        config.epochs = epochs;
    }
    if let Some(batch_size) = args.batch_size {
        config.batch_size = batch_size;
    }
    let sizes = ModelSizes::of(catalog);
    struct Protocol {
        args: OneClassArgs,
        config: TrainConfig,
        sizes: ModelSizes,
    }
    impl PresetVisitor for Protocol {
        type Output = Result<Vec<ProtocolResult>, Failure>;
        fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
            let Self {
                args,
                config,
                sizes,
            } = self;
            let mut spec = match spec_from_args(&args.data)? {
                Some(spec) => spec,
                None => default_spec(preset)?,
            };
            if let Some(normalization) = args.data.normalize {
                spec.normalization = normalization;
            }
            let loaded = load_data(&spec, M::INPUTS, &sizes)?;
            let split = loaded.split;
            let classes = match args.classes.as_slice() {
                [] => distinct_labels(&split.train)?,
                given => given.iter().map(|&c| c as u8).collect(),
            };
            let options = ScoreOptions {
                kinds: chosen_scores::<M>(&args.scores, &config)?,
                importance_samples: args.iw_samples,
                seed: config.seed,
                threads: threads(args.threads),
                batched: false,
            };
            let mut results = Vec::with_capacity(classes.len());
            for class in classes {
                let protocol = OneClass::new(&[class]).map_err(Failure::input)?;
                let result = one_class_run::<M>(&config, &split, &protocol, &options)
                    .map_err(|e| Failure::input(format!("normal class {class}: {e}")))?;
                let (best, at) = result.best().map_or(("-", 0.0), |(k, r)| (k.name(), r.auc));
                note!(
                    "class {class}: {} normal training samples, best AUC {at:.4} ({best}), PCA {:.4}",
                    result.train_samples,
                    result.pca.auc
                );
                results.push(result);
            }
            Ok(results)
        }
    }
    let json = args.json;
    let results = dispatch(
        catalog,
        preset,
        &config,
        Protocol {
            args,
            config,
            sizes,
        },
    )?;
    if json {
        let report = json!({
            "preset": preset.name,
            "epochs": config.epochs,
            "seed": config.seed,
            "partial_auc_max_fpr": PARTIAL_AUC_MAX_FPR,
            "classes": results,
        });
        return write_stdout(&format!("{report}\n"));
    }
    write_stdout(&protocol_report(preset, &config, &results))
}

/// The classes of a labelled set, ascending.
fn distinct_labels(data: &Dataset) -> Result<Vec<u8>, Failure> {
    let labels = data.labels().ok_or_else(|| {
        Failure::input(format!(
            "{} has no labels: the one-class protocol needs classes",
            data.name()
        ))
    })?;
    let mut classes = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    Ok(classes)
}

/// The per-class table and the means, as text.
fn protocol_report(preset: &Preset, config: &TrainConfig, results: &[ProtocolResult]) -> String {
    let mut text = String::new();
    let kinds: Vec<ScoreKind> = results
        .first()
        .map(|r| r.scores.iter().map(|(k, _)| *k).collect())
        .unwrap_or_default();
    let _ = writeln!(
        text,
        "one-class ROC AUC, {} ({} epochs per class, seed {}); partial AUC at FPR <= {PARTIAL_AUC_MAX_FPR} in brackets",
        preset.name, config.epochs, config.seed
    );
    let _ = write!(text, "{:<6}", "class");
    for kind in &kinds {
        let _ = write!(text, " {:>16}", kind.name());
    }
    let _ = writeln!(text, " {:>16}", "pca");
    let mut sums = vec![(0.0f64, 0.0f64); kinds.len() + 1];
    for result in results {
        let classes: Vec<_> = result.normal.iter().map(u8::to_string).collect();
        let _ = write!(text, "{:<6}", classes.join("+"));
        let row = result.scores.iter().map(|(_, r)| *r).chain([result.pca]);
        for (score, sum) in row.zip(sums.iter_mut()) {
            let _ = write!(text, " {:>7.4} [{:.4}]", score.auc, score.partial_auc);
            sum.0 += score.auc;
            sum.1 += score.partial_auc;
        }
        text.push('\n');
    }
    let _ = write!(text, "{:<6}", "mean");
    let n = results.len().max(1) as f64;
    for sum in &sums {
        let _ = write!(text, " {:>7.4} [{:.4}]", sum.0 / n, sum.1 / n);
    }
    text.push('\n');
    text
}
