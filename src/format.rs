//! How both renderers write the values a run reports: one place, so the dashboard and the
//! plain output never disagree.

use std::time::Duration;

use tinyvae_core::autoencoder::ReconstructionLoss;
use tinyvae_core::noise::Noise;
use tinyvae_core::vae::{GaussianVariance, Likelihood};
use tinyvae_host::train::config::OptimizerChoice;
use tinyvae_host::train::events::{Artifact, Hyperparameter};

/// A setting's name as shown, e.g. `learning rate`.
pub fn hyperparameter_name(setting: &Hyperparameter) -> &'static str {
    match setting {
        Hyperparameter::Optimizer(_) => "optimizer",
        Hyperparameter::LearningRate(_) => "learning rate",
        Hyperparameter::BatchSize(_) => "batch size",
        Hyperparameter::Epochs(_) => "epochs",
        Hyperparameter::Beta(_) => "beta",
        Hyperparameter::KlWarmupSteps(_) => "KL warm-up",
        Hyperparameter::Noise(_) => "noise",
        Hyperparameter::Loss(_) => "loss",
        Hyperparameter::Likelihood(_) => "likelihood",
        Hyperparameter::PretrainEpochsPerLayer(_) => "pretrain epochs/layer",
        Hyperparameter::ClipNorm(_) => "clip norm",
    }
}

/// A setting's value as shown, e.g. `1.00e-3`.
pub fn hyperparameter_value(setting: &Hyperparameter) -> String {
    match *setting {
        Hyperparameter::Optimizer(OptimizerChoice::Adam) => "Adam".to_string(),
        Hyperparameter::Optimizer(OptimizerChoice::Sgd { momentum }) => {
            format!("SGD, momentum {momentum}")
        }
        Hyperparameter::LearningRate(rate) => format!("{rate:.2e}"),
        Hyperparameter::Beta(beta) => format!("{beta:.3}"),
        Hyperparameter::BatchSize(n)
        | Hyperparameter::Epochs(n)
        | Hyperparameter::PretrainEpochsPerLayer(n) => n.to_string(),
        Hyperparameter::KlWarmupSteps(steps) => format!("{steps} steps"),
        Hyperparameter::Noise(noise) => noise_text(noise),
        Hyperparameter::Loss(loss) => loss_text(loss),
        Hyperparameter::Likelihood(likelihood) => likelihood_text(likelihood),
        Hyperparameter::ClipNorm(norm) => format!("{norm}"),
    }
}

/// `gaussian σ=0.3`, `mask keep=0.75`, `none`.
pub fn noise_text(noise: Noise) -> String {
    match noise {
        Noise::Gaussian { std_dev } => format!("gaussian σ={std_dev}"),
        Noise::Masking { keep_probability } => format!("mask keep={keep_probability}"),
        _ => "none".to_string(),
    }
}

/// A duration to the nearest second: `1h02m`, `3m07s` or `12s` (hours and minutes past an
/// hour, minutes and seconds past a minute).
pub fn duration(duration: Duration) -> String {
    let seconds = (duration.as_millis() + 500) / 1000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// `cross-entropy`, `squared error on σ(ℓ)`, `squared error, linear output`.
pub fn loss_text(loss: ReconstructionLoss) -> String {
    match loss {
        ReconstructionLoss::CrossEntropy => "cross-entropy",
        ReconstructionLoss::SquaredError => "squared error on σ(ℓ)",
        ReconstructionLoss::LinearSquaredError => "squared error, linear output",
    }
    .to_string()
}

/// `Bernoulli`, `Gaussian σ²=0.1 on σ(ℓ)`, `Gaussian σ²=1`, `Gaussian, learned σ²`.
pub fn likelihood_text(likelihood: Likelihood) -> String {
    match likelihood {
        Likelihood::Bernoulli => "Bernoulli".to_string(),
        Likelihood::Gaussian { variance } => format!("Gaussian σ²={variance} on σ(ℓ)"),
        Likelihood::LinearGaussian {
            variance: GaussianVariance::Fixed(variance),
        } => format!("Gaussian σ²={variance}"),
        Likelihood::LinearGaussian {
            variance: GaussianVariance::Learned,
        } => "Gaussian, learned σ²".to_string(),
    }
}

/// What a written file is, in a few words.
pub fn artifact(artifact: Artifact) -> &'static str {
    match artifact {
        Artifact::Checkpoint => "checkpoint",
        Artifact::DeviceWeights => "device weights",
    }
}

/// `3, 8`, or `every class`.
pub fn classes_text(classes: Option<&[u8]>) -> String {
    match classes {
        None => "every class".into(),
        Some(classes) => classes
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_before() {
        assert_eq!(
            hyperparameter_value(&Hyperparameter::LearningRate(1e-3)),
            "1.00e-3"
        );
        assert_eq!(hyperparameter_value(&Hyperparameter::Beta(0.8)), "0.800");
        assert_eq!(
            hyperparameter_value(&Hyperparameter::Noise(Noise::Masking {
                keep_probability: 0.75
            })),
            "mask keep=0.75"
        );
        assert_eq!(
            hyperparameter_name(&Hyperparameter::KlWarmupSteps(3)),
            "KL warm-up"
        );
        assert_eq!(
            hyperparameter_value(&Hyperparameter::Likelihood(Likelihood::LinearGaussian {
                variance: GaussianVariance::Learned
            })),
            "Gaussian, learned σ²"
        );
        assert_eq!(
            hyperparameter_value(&Hyperparameter::Loss(
                ReconstructionLoss::LinearSquaredError
            )),
            "squared error, linear output"
        );
    }

    #[test]
    fn durations_round_to_the_second() {
        let at = |seconds: f64| duration(Duration::from_secs_f64(seconds));
        assert_eq!(at(0.0), "0s");
        assert_eq!(at(7.4), "7s");
        assert_eq!(at(7.5), "8s");
        assert_eq!(at(45.0), "45s");
        assert_eq!(at(59.6), "1m00s");
        assert_eq!(at(133.0), "2m13s");
        assert_eq!(at(187.0), "3m07s");
        assert_eq!(at(3599.5), "1h00m");
        assert_eq!(at(3720.0), "1h02m");
    }
}
