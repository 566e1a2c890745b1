//! `tinyvae inspect FILE`: what a checkpoint records (preset, architecture, data, settings,
//! position, epochs, last losses) or what a device blob's header says.

use std::io::Read;
use std::path::Path;

use tinyvae_core::weights;
use tinyvae_host::architecture::describe;
use tinyvae_host::checkpoint::{Checkpoint, MAX_CHECKPOINT_BYTES, is_checkpoint_file};

use super::Failure;
use crate::format;

/// Runs `tinyvae inspect`.
pub fn inspect(path: &Path) -> Result<(), Failure> {
    if is_checkpoint_file(path) {
        let checkpoint = Checkpoint::read(path).map_err(Failure::input)?;
        print_checkpoint(path, &checkpoint);
        return Ok(());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_CHECKPOINT_BYTES).read_to_end(&mut bytes))
        .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    let info = weights::inspect(&bytes).map_err(|e| {
        Failure::input(format!(
            "{} is neither a checkpoint nor a valid device blob: {e}",
            path.display()
        ))
    })?;
    println!("{}: device weights", path.display());
    println!("  model        {:?}", info.kind);
    println!("  layers       {}", describe(&info.architecture));
    println!("  weights      {} f32, {} bytes", info.scalars, bytes.len());
    match &info.transform {
        Some(transform) => println!(
            "  input        transformed on the device: {} features, offsets and scales{}",
            transform.features(),
            if transform.clamp() {
                ", clamped to [0, 1]"
            } else {
                ""
            }
        ),
        None => println!("  input        taken as it is"),
    }
    if let Some(d) = &info.detector {
        println!(
            "  threshold    {} on {} ({:?}, from {} normal samples, K = {}): above it is abnormal",
            d.threshold,
            d.score.name(),
            d.rule,
            d.samples,
            d.importance_samples
        );
    }
    if info.version == weights::FORMAT_VERSION_PAYLOAD_CRC {
        println!(
            "  format       version 1: its CRC covers the weights only, not this header; export again to have it checked"
        );
    } else {
        println!(
            "  format       version {}, every byte checked",
            info.version
        );
    }
    Ok(())
}

fn print_checkpoint(path: &Path, c: &Checkpoint) {
    let config = c.config();
    let data = c.data();
    let position = c.position();
    let (learning_rate, beta) = c.in_force();
    println!("{}: checkpoint of {}", path.display(), c.preset());
    println!(
        "  written by   tinyvae {}, run {:016x}",
        c.tinyvae_version(),
        c.run_id()
    );
    println!(
        "  data         {} ({:?}), {}, {} train / {} test",
        data.spec.path.display(),
        data.spec.format,
        data.shape,
        data.train_samples,
        data.test_samples
    );
    println!(
        "  fingerprints train {:016x}, test {:016x}; normalization {:?}",
        data.train_fingerprint, data.test_fingerprint, data.spec.normalization
    );
    println!(
        "  settings     {} epochs, batch {}, seed {}, learning rate {:.2e} (now {:.2e}), β {} (now {beta}), noise {}",
        config.epochs,
        config.batch_size,
        config.seed,
        config.learning_rate,
        learning_rate,
        config.beta,
        format::noise_text(config.noise)
    );
    println!(
        "  position     step {}, epoch {}, batch {}",
        position.step, position.epoch, position.batch
    );
    match c.history().last() {
        Some(last) => println!(
            "  epochs       {} trained; last: train {:.3}, test {:.3} (reconstruction {:.3}, KL {:.3})",
            c.history().len(),
            last.train.total,
            last.test.total,
            last.test.reconstruction,
            last.test.kl
        ),
        None => println!("  epochs       none finished"),
    }
    let detector = c.detector();
    if let Some(classes) = &detector.normal_classes {
        println!(
            "  detector     normal classes {}",
            crate::format::classes_text(Some(classes))
        );
    }
    if let Some(t) = &detector.threshold {
        println!(
            "  threshold    {} on {} ({:?}, from {} normal samples, K = {})",
            t.value,
            t.score.name(),
            t.rule,
            t.samples,
            t.importance_samples
        );
    }
}
