//! `tinyvae eval` and `tinyvae export`.

use rand::SeedableRng;
use serde_json::json;
use tinyvae_core::SeededRng;

use tinyvae_host::data::{EVALUATION_BINARIZATION_SEED, binarize_once};

use super::{
    CheckpointData, DataUse, Failure, ModelSizes, checkpoint_data, dispatch, open_checkpoint,
    refuse_checkpoint_output, write_stdout,
};
use crate::cli::{EvalArgs, ExportArgs};
use crate::format::{likelihood_text, loss_text};
use tinyvae_host::anomaly::Threshold;
use tinyvae_host::catalog::Catalog;
use tinyvae_host::data::{Dataset, InputTransform};
use tinyvae_host::eval::{Pca, active_units, knn_accuracy, linear_probe_accuracy};
use tinyvae_host::export::export_weights;
use tinyvae_host::presets::{Preset, PresetVisitor};
use tinyvae_host::train::model::{Phase, TrainableModel};
use tinyvae_host::train::trainer::{EVALUATION_BATCH, evaluate};

/// Runs `tinyvae export`.
pub fn export<C: Catalog>(catalog: &C, args: ExportArgs) -> Result<(), Failure> {
    refuse_checkpoint_output(&args.out)?;
    let (checkpoint, preset) = open_checkpoint(catalog, &args.checkpoint)?;
    struct ExportVisitor(tinyvae_host::checkpoint::Checkpoint, std::path::PathBuf);
    impl PresetVisitor for ExportVisitor {
        type Output = Result<usize, Failure>;
        fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
            let model = self.0.model::<M>(preset.name).map_err(Failure::input)?;
            // The blob carries the normalization of the training data, so the device applies it.
            let transform = self.0.data().transform.as_ref();
            // And the calibrated threshold, so the device decides as the host does.
            let detector = self
                .0
                .detector()
                .threshold
                .as_ref()
                .map(Threshold::detector)
                .transpose()
                .map_err(Failure::input)?;
            export_weights(&*model, transform, detector.as_ref(), &self.1).map_err(Failure::input)
        }
    }
    let config = checkpoint.config();
    let transform = checkpoint.data().transform.clone();
    let bytes = dispatch(
        catalog,
        preset,
        &config,
        ExportVisitor(checkpoint, args.out.clone()),
    )?;
    let transform = TransformNote(transform.as_ref());
    note!(
        "wrote {} ({bytes} bytes, {}, {transform})",
        args.out.display(),
        preset.name
    );
    Ok(())
}

/// What `tinyvae export` says about the input transform of the blob it wrote.
struct TransformNote<'a>(Option<&'a InputTransform>);

impl std::fmt::Display for TransformNote<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => {
                f.write_str("no input transform: the device feeds the model its values as they are")
            }
            Some(t) => write!(
                f,
                "with the input transform of the training data: {} features, (x - offset) * scale{}",
                t.features(),
                if t.clamp { ", clamped to [0, 1]" } else { "" }
            ),
        }
    }
}

/// Importance samples per test point of `eval`'s log p(x) unless `--iw-samples`.
const DEFAULT_IW_SAMPLES: usize = 5000;

/// Neighbours that vote in the k-NN accuracy of the codes.
const KNN_NEIGHBOURS: usize = 5;

/// Runs `tinyvae eval`.
pub fn eval<C: Catalog>(catalog: &C, args: EvalArgs) -> Result<(), Failure> {
    let (checkpoint, preset) = open_checkpoint(catalog, &args.checkpoint)?;
    let sizes = ModelSizes::of(catalog);
    let config = checkpoint.config();
    dispatch(
        catalog,
        preset,
        &config,
        EvalVisitor {
            args,
            checkpoint,
            sizes,
        },
    )
}

struct EvalVisitor {
    sizes: ModelSizes,
    args: EvalArgs,
    checkpoint: tinyvae_host::checkpoint::Checkpoint,
}

impl PresetVisitor for EvalVisitor {
    type Output = Result<(), Failure>;

    fn visit<M: TrainableModel>(self, preset: &'static Preset) -> Self::Output {
        let Self {
            args,
            checkpoint,
            sizes,
        } = self;
        let model = checkpoint.model::<M>(preset.name).map_err(Failure::input)?;
        let CheckpointData { loaded, used, .. } =
            checkpoint_data(&checkpoint, &args.data, M::INPUTS, &sizes)?;
        let data = loaded.split;
        if args.anomaly {
            return super::detect::anomaly_report(&*model, &checkpoint, &data.test, &args);
        }
        let iw_samples = args.iw_samples.unwrap_or(DEFAULT_IW_SAMPLES);
        let failure = |e: &dyn std::fmt::Display| Failure::input(format!("evaluation failed: {e}"));
        let train_config = checkpoint.config();
        // The honest bound: β = 1 whatever β the model was trained with.
        let config = M::model_config(&train_config, 1.0, Phase::Train);

        // The loss is the model's own: its likelihood (VAEs) or reconstruction loss.
        let objective = if M::IS_VARIATIONAL {
            likelihood_text(train_config.likelihood)
        } else {
            loss_text(train_config.loss)
        };
        let bounded = M::needs_unit_interval(&train_config);
        // A model trained on dynamically binarized pixels is a Bernoulli model of binary
        // images: its likelihood is measured on one fixed binarization of the test set.
        let likelihood_test = if train_config.dynamic_binarization {
            binarize_once(&data.test, EVALUATION_BINARIZATION_SEED)
        } else {
            data.test.clone()
        };
        let loss = evaluate(&*model, &config, &likelihood_test).map_err(|e| failure(&e))?;
        let reconstruction =
            reconstruction_errors(&*model, &config, &data.test).map_err(|e| failure(&e))?;
        let train_codes = encode_all(&*model, &data.train).map_err(|e| failure(&e))?;
        let test_codes = encode_all(&*model, &data.test).map_err(|e| failure(&e))?;

        let pca = Pca::fit(data.train.images(), M::INPUTS, M::LATENT).map_err(|e| failure(&e))?;
        let pca_error = pca
            .reconstruction_error(data.test.images())
            .map_err(|e| failure(&e))?;
        let mut report = json!({
            "preset": preset.name,
            "step": checkpoint.step(),
            "data": data.test.name(),
            "data_source": match &used {
                DataUse::TrainedOn => checkpoint.data().spec.path.display().to_string(),
                DataUse::Other { path, .. } => path.display().to_string(),
            },
            "data_is_training_data": used == DataUse::TrainedOn,
            "test_set_is_training_run_test_set": match &used {
                DataUse::TrainedOn => true,
                DataUse::Other { same_test_set, .. } => *same_test_set,
            },
            "test_samples": data.test.len(),
            "test_binarized": train_config.dynamic_binarization,
            "objective": objective,
            "test_loss": loss.total,
            "test_reconstruction": loss.reconstruction,
            "test_kl": loss.kl,
            "reconstruction_squared_error": reconstruction.0,
            // Cross-entropy reads outputs in (0, 1): none on a linear output.
            "reconstruction_cross_entropy": bounded.then_some(reconstruction.1),
            "pca_squared_error": pca_error,
            "latent_size": M::LATENT,
        });
        // The probes need labels on both sides; unlabelled data gets the rest of the report.
        if let (Some(train_labels), Some(test_labels)) = (data.train.labels(), data.test.labels()) {
            let code_accuracy = linear_probe_accuracy(
                &train_codes,
                train_labels,
                &test_codes,
                test_labels,
                M::LATENT,
            )
            .map_err(|e| failure(&e))?;
            // k-NN reads classes that sit in curved or split regions, which a 2-D code has and
            // a linear probe misses; on codes it costs about a second, on raw pixels minutes.
            let neighbours = KNN_NEIGHBOURS.min(data.train.len());
            let code_knn_accuracy = knn_accuracy(
                &train_codes,
                train_labels,
                &test_codes,
                test_labels,
                M::LATENT,
                neighbours,
            )
            .map_err(|e| failure(&e))?;
            let pixel_accuracy = linear_probe_accuracy(
                data.train.images(),
                train_labels,
                data.test.images(),
                test_labels,
                M::INPUTS,
            )
            .map_err(|e| failure(&e))?;
            report["linear_probe_accuracy_codes"] = json!(code_accuracy);
            report["linear_probe_accuracy_pixels"] = json!(pixel_accuracy);
            report["knn_neighbours"] = json!(neighbours);
            report["knn_accuracy_codes"] = json!(code_knn_accuracy);
        }
        if M::IS_VARIATIONAL {
            let units = active_units(&test_codes, M::LATENT).map_err(|e| failure(&e))?;
            report["active_units"] = json!(units.count);
            let points = args.iw_points.count(data.test.len());
            let (iw, elbo) =
                importance_weighted(&*model, &config, &likelihood_test, points, iw_samples)
                    .map_err(|e| failure(&e))?;
            report["iw_samples"] = json!(iw_samples);
            report["iw_points"] = json!(points);
            report["iw_log_likelihood"] = json!(iw);
            report["elbo_on_iw_points"] = json!(elbo);
        }
        if args.json {
            write_stdout(&format!("{report}\n"))?;
        } else {
            write_stdout(&report_text(&report))?;
        }
        Ok(())
    }
}

/// Mean over `data` of Σ(x̂ − x)² and of the cross-entropy −Σ x ln x̂ + (1 − x) ln(1 − x̂), x̂
/// as `config`'s loss or likelihood reads the decoder (σ(ℓ), or ℓ on a linear output, where
/// the cross-entropy means nothing).
fn reconstruction_errors<M: TrainableModel>(
    model: &M,
    config: &M::Config,
    data: &Dataset,
) -> Result<(f64, f64), tinyvae_core::Error> {
    let mut workspace = vec![0.0; M::WORKSPACE * EVALUATION_BATCH];
    let mut output = vec![0.0; M::INPUTS * EVALUATION_BATCH];
    let (mut squared, mut cross_entropy) = (0.0f64, 0.0f64);
    for chunk in data.images().chunks(M::INPUTS * EVALUATION_BATCH) {
        let batch = chunk.len() / M::INPUTS;
        model.reconstruct_with(
            config,
            chunk,
            &mut output[..chunk.len()],
            batch,
            &mut workspace,
        )?;
        for (&x, &y) in chunk.iter().zip(&output) {
            let (x, y) = (f64::from(x), f64::from(y));
            squared += (y - x) * (y - x);
            let p = y.clamp(1e-7, 1.0 - 1e-7);
            cross_entropy -= x * p.ln() + (1.0 - x) * (1.0 - p).ln();
        }
    }
    let n = data.len() as f64;
    Ok((squared / n, cross_entropy / n))
}

/// The codes of every sample of `data`, LATENT floats each.
pub fn encode_all<M: TrainableModel>(
    model: &M,
    data: &Dataset,
) -> Result<Vec<f32>, tinyvae_core::Error> {
    let mut workspace = vec![0.0; M::WORKSPACE * EVALUATION_BATCH];
    let mut codes = vec![0.0; M::LATENT * data.len()];
    for (chunk, out) in data
        .images()
        .chunks(M::INPUTS * EVALUATION_BATCH)
        .zip(codes.chunks_mut(M::LATENT * EVALUATION_BATCH))
    {
        model.encode(chunk, out, chunk.len() / M::INPUTS, &mut workspace)?;
    }
    Ok(codes)
}

/// Mean importance-weighted log-likelihood with K samples over the first `points` test
/// samples, and the mean one-sample ELBO over the same points for comparison.
fn importance_weighted<M: TrainableModel>(
    model: &M,
    config: &M::Config,
    data: &Dataset,
    points: usize,
    samples: usize,
) -> Result<(f64, f64), tinyvae_core::Error> {
    let mut workspace = vec![0.0; M::importance_workspace_len(samples)];
    let (mut iw, mut elbo) = (0.0f64, 0.0f64);
    for i in 0..points {
        let x = &data.images()[i * M::INPUTS..(i + 1) * M::INPUTS];
        // One stream per point: the estimate of a point does not depend on the others.
        let mut rng = SeededRng::seed_from_u64(0x1A5 + i as u64);
        iw += f64::from(model.importance_weighted_log_likelihood(
            config,
            x,
            samples,
            &mut rng,
            &mut workspace,
        )?);
        elbo += f64::from(model.importance_weighted_log_likelihood(
            config,
            x,
            1,
            &mut rng,
            &mut workspace,
        )?);
    }
    let n = points.max(1) as f64;
    Ok((iw / n, elbo / n))
}

/// The report as text, a line per figure.
fn report_text(report: &serde_json::Value) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    let number = |key: &str| report[key].as_f64().unwrap_or(f64::NAN);
    let _ = writeln!(
        text,
        "preset {} at step {}, {} test samples",
        report["preset"].as_str().unwrap_or("?"),
        report["step"],
        report["test_samples"]
    );
    let provenance = if report["data_is_training_data"] == true {
        "the checkpoint's own test set"
    } else if report["test_set_is_training_run_test_set"] == true {
        "other data, whose test set is the training run's"
    } else {
        "other data than the checkpoint was trained on"
    };
    let _ = writeln!(
        text,
        "  data: {} from {} ({provenance})",
        report["data"].as_str().unwrap_or("?"),
        report["data_source"].as_str().unwrap_or("?")
    );
    let _ = writeln!(
        text,
        "  test loss (β = 1)            {:>10.3}  = reconstruction {:.3} + KL {:.3}  ({})",
        number("test_loss"),
        number("test_reconstruction"),
        number("test_kl"),
        report["objective"].as_str().unwrap_or("?")
    );
    if report.get("iw_log_likelihood").is_some() {
        let _ = writeln!(
            text,
            "  log p(x), IW K = {:<5}       {:>10.3}  (ELBO on the same {} points: {:.3})",
            report["iw_samples"],
            number("iw_log_likelihood"),
            report["iw_points"],
            number("elbo_on_iw_points")
        );
        let _ = writeln!(
            text,
            "  active latent units          {:>10}",
            report["active_units"]
        );
    }
    let _ = writeln!(
        text,
        "  reconstruction Σ(x̂−x)²       {:>10.3}",
        number("reconstruction_squared_error")
    );
    if report["reconstruction_cross_entropy"].is_number() {
        let _ = writeln!(
            text,
            "  reconstruction cross-entropy {:>10.3}",
            number("reconstruction_cross_entropy")
        );
    }
    let _ = writeln!(
        text,
        "  PCA with {:>3} components      {:>10.3}  (Σ(x̂−x)², the linear baseline)",
        report["latent_size"],
        number("pca_squared_error")
    );
    if report.get("linear_probe_accuracy_codes").is_none() {
        let _ = writeln!(text, "  (no labels: no linear probe or k-NN accuracy)");
        return text;
    }
    let _ = writeln!(
        text,
        "  linear probe accuracy        {:>9.1} %  on codes, {:.1} % on raw pixels",
        100.0 * number("linear_probe_accuracy_codes"),
        100.0 * number("linear_probe_accuracy_pixels")
    );
    let _ = writeln!(
        text,
        "  {}-NN accuracy on codes       {:>9.1} %",
        report["knn_neighbours"],
        100.0 * number("knn_accuracy_codes")
    );
    text
}
