//! What `train --resume` may change: the epochs (trained on to N in total), the learning rate
//! and β are applied and said; a change to anything that decides what was computed so far
//! (batch size, seed, noise, optimizer, …) is refused, naming the flag.

use tinyvae_host::train::config::TrainConfig;
use tinyvae_host::train::model::TrainableModel;
use tinyvae_host::train::trainer::Trainer;

use super::Failure;
use super::train::config_over;
use crate::cli::TrainArgs;

/// Applies the changes `args` ask of the resumed `trainer` of preset `preset`; returns them
/// as lines to show, e.g. `learning rate 1.00e-3 → 5.00e-4`.
pub fn apply_changes<M: TrainableModel>(
    trainer: &mut Trainer<M>,
    preset: &str,
    args: &TrainArgs,
) -> Result<Vec<String>, Failure> {
    if let Some(name) = &args.preset
        && name != preset
    {
        return Err(Failure::input(format!(
            "--preset {name}: the checkpoint is of {preset}, and a resumed run keeps its preset"
        )));
    }
    let before = *trainer.config();
    let wanted = config_over(before, preset, M::IS_VARIATIONAL, args).map_err(Failure::input)?;
    let fixed = TrainConfig {
        epochs: before.epochs,
        learning_rate: before.learning_rate,
        beta: before.beta,
        ..wanted
    };
    if fixed != before {
        return Err(Failure::input(format!(
            "{} cannot change on resume: it decides what the run computed so far (only \
             --epochs, --lr and --beta can)",
            changed_flag(&before, &fixed)
        )));
    }
    let mut changes = Vec::new();
    if wanted.epochs != before.epochs {
        trainer.set_epochs(wanted.epochs).map_err(Failure::input)?;
        changes.push(format!("epochs {} → {}", before.epochs, wanted.epochs));
    }
    if args.lr.is_some() && wanted.learning_rate != trainer.learning_rate() {
        let old = trainer.learning_rate();
        trainer
            .set_learning_rate(wanted.learning_rate)
            .map_err(Failure::input)?;
        changes.push(format!(
            "learning rate {old:.2e} → {:.2e}",
            wanted.learning_rate
        ));
    }
    if args.beta.is_some() && wanted.beta != trainer.beta() {
        let old = trainer.beta();
        trainer.set_beta(wanted.beta).map_err(Failure::input)?;
        changes.push(format!("beta {old:.3} → {:.3}", wanted.beta));
    }
    Ok(changes)
}

/// The flag of the first setting that differs.
fn changed_flag(before: &TrainConfig, after: &TrainConfig) -> &'static str {
    if before.batch_size != after.batch_size {
        "--batch-size"
    } else if before.seed != after.seed {
        "--seed"
    } else if before.noise != after.noise {
        "--noise"
    } else if before.optimizer != after.optimizer {
        "--optimizer/--momentum"
    } else if before.kl_warmup_steps != after.kl_warmup_steps {
        "--kl-warmup"
    } else if before.dynamic_binarization != after.dynamic_binarization {
        "--binarize"
    } else if before.clip_norm != after.clip_norm {
        "--clip-norm"
    } else if before.train_limit != after.train_limit {
        "--limit"
    } else if before.pretrain_epochs != after.pretrain_epochs {
        "--pretrain-epochs"
    } else if before.loss != after.loss {
        "--loss/--output"
    } else if before.likelihood != after.likelihood {
        "--likelihood/--output/--variance"
    } else {
        "a setting"
    }
}
