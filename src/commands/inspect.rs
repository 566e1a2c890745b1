//! `tinyvae inspect FILE`: what a checkpoint records (preset, architecture, data, settings,
//! position, epochs, last losses) or what a device blob's header says.

use std::io::Read;
use std::path::Path;

use tinyvae_core::weights;
use tinyvae_host::architecture::describe;
use tinyvae_host::checkpoint::{Checkpoint, MAX_CHECKPOINT_BYTES, is_checkpoint_file};
use tinyvae_host::train::config::OptimizerChoice;

use super::{Failure, write_stdout};
use crate::format;

/// Runs `tinyvae inspect`.
pub fn inspect(path: &Path) -> Result<(), Failure> {
    if is_checkpoint_file(path) {
        let checkpoint = Checkpoint::read(path).map_err(Failure::input)?;
        return write_stdout(&print_checkpoint(path, &checkpoint));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut file| {
            // The magic first: a file that is no blob (`/dev/zero`) is not read on.
            (&mut file)
                .take(weights::MAGIC.len() as u64)
                .read_to_end(&mut bytes)?;
            if bytes != weights::MAGIC {
                return Ok(0);
            }
            file.take(MAX_CHECKPOINT_BYTES).read_to_end(&mut bytes)
        })
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    let info = weights::inspect(&bytes).map_err(|e| {
        Failure::input(format!(
            "{} is neither a checkpoint nor a valid device blob: {e}",
            path.display()
        ))
    })?;
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("{}: device weights", path.display()));
    line(format!("  model        {:?}", info.kind));
    line(format!("  layers       {}", describe(&info.architecture)));
    line(format!(
        "  weights      {} f32, {} bytes",
        info.scalars,
        bytes.len()
    ));
    match &info.transform {
        Some(transform) => line(format!(
            "  input        transformed on the device: {} features, offsets and scales{}",
            transform.features(),
            if transform.clamp() {
                ", clamped to [0, 1]"
            } else {
                ""
            }
        )),
        None => line("  input        taken as it is".to_string()),
    }
    if let Some(d) = &info.detector {
        line(format!(
            "  threshold    {} on {} ({:?}, from {} normal samples, K = {}): above it is abnormal",
            d.threshold,
            d.score.name(),
            d.rule,
            d.samples,
            d.importance_samples
        ));
    }
    if info.version == weights::FORMAT_VERSION_PAYLOAD_CRC {
        line(
            "  format       version 1: its CRC covers the weights only, not this header; export again to have it checked"
                .to_string(),
        );
    } else {
        line(format!(
            "  format       version {}, every byte checked",
            info.version
        ));
    }
    write_stdout(&out)
}

fn print_checkpoint(path: &Path, c: &Checkpoint) -> String {
    let config = c.config();
    let data = c.data();
    let position = c.position();
    let (learning_rate, beta) = c.in_force();
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("{}: checkpoint of {}", path.display(), c.preset()));
    line(format!(
        "  written by   tinyvae {}, run {:016x}",
        c.tinyvae_version(),
        c.run_id()
    ));
    line(match c.model_info() {
        Ok(info) => format!(
            "  model        {:?}, {} ({} weights)",
            info.kind,
            describe(&info.architecture),
            info.scalars
        ),
        Err(e) => format!("  model        unreadable: {e}"),
    });
    line(format!(
        "  data         {} ({:?}), {}, {} train / {} test",
        data.spec.path.display(),
        data.spec.format,
        data.shape,
        data.train_samples,
        data.test_samples
    ));
    line(format!(
        "  fingerprints train {:016x}, test {:016x}; normalization {:?}",
        data.train_fingerprint, data.test_fingerprint, data.spec.normalization
    ));
    line(format!(
        "  settings     {} epochs, batch {}, seed {}, {}, learning rate {:.2e} (now {:.2e}), β {} (now {beta}), KL warm-up {} steps",
        config.epochs,
        config.batch_size,
        config.seed,
        match config.optimizer {
            OptimizerChoice::Adam => "Adam".to_string(),
            OptimizerChoice::Sgd { momentum } => format!("SGD with momentum {momentum}"),
        },
        config.learning_rate,
        learning_rate,
        config.beta,
        config.kl_warmup_steps,
    ));
    line(format!(
        "               noise {}, loss {}, likelihood {}, clip norm {}, limit {}, binarize {}, pretraining {} epochs",
        format::noise_text(config.noise),
        format::loss_text(config.loss),
        format::likelihood_text(config.likelihood),
        config
            .clip_norm
            .map_or_else(|| "none".to_string(), |n| n.to_string()),
        config
            .train_limit
            .map_or_else(|| "none".to_string(), |n| n.to_string()),
        if config.dynamic_binarization {
            "yes"
        } else {
            "no"
        },
        config.pretrain_epochs,
    ));
    line(format!(
        "  position     step {}, epoch {}, batch {}",
        position.step, position.epoch, position.batch
    ));
    line(match c.history().last() {
        Some(last) => format!(
            "  epochs       {} trained; last: train {:.3}, test {:.3} (reconstruction {:.3}, KL {:.3})",
            c.history().len(),
            last.train.total,
            last.test.total,
            last.test.reconstruction,
            last.test.kl
        ),
        None => "  epochs       none finished".to_string(),
    });
    let detector = c.detector();
    if let Some(classes) = &detector.normal_classes {
        line(format!(
            "  detector     normal classes {}",
            crate::format::classes_text(Some(classes))
        ));
    }
    if let Some(t) = &detector.threshold {
        line(format!(
            "  threshold    {} on {} ({:?}, from {} normal samples, K = {})",
            t.value,
            t.score.name(),
            t.rule,
            t.samples,
            t.importance_samples
        ));
    }
    out
}
