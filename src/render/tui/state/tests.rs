//! The state's histories stay bounded and its events land where the panels read them.

use super::*;
use crate::render::tui::messages::LOG_CAPACITY;
use crate::render::tui::synthetic;
use crate::render::tui::test_frames::started;
use tinyvae_host::train::events::{EpochReport, LossParts};

fn step(step: u64) -> TrainingEvent {
    TrainingEvent::Step(StepReport {
        step,
        epoch: 1,
        loss: LossParts {
            total: 100.0 + step as f32,
            reconstruction: 90.0,
            kl: 10.0,
        },
        samples_per_second: 1000.0,
        learning_rate: 1e-3,
        beta: 1.0,
    })
}

#[test]
fn histories_stay_bounded() {
    let mut state = started(true);
    let t0 = Instant::now();
    for i in 1..=100_000u64 {
        state.apply_at(step(i), t0 + Duration::from_micros(i * 1000));
        if i % 50 == 0 {
            state.apply_at(
                TrainingEvent::Epoch(EpochReport {
                    epoch: (i / 50) as usize,
                    train: LossParts::default(),
                    test: LossParts::default(),
                }),
                t0,
            );
        }
        if i % 10 == 0 {
            state.apply_at(
                TrainingEvent::Warning {
                    message: format!("w{i}"),
                },
                t0,
            );
        }
    }
    assert!(state.losses().len() <= LOSS_BUCKETS);
    assert!(state.losses().len() > LOSS_BUCKETS / 2);
    // 100000 steps in 512 buckets at most: stride 256 (100000 / 256 = 391 buckets).
    assert_eq!(state.losses().stride(), 256);
    assert!(state.epochs().train().len() <= MAX_EPOCH_POINTS);
    assert!(state.epochs().test().len() <= MAX_EPOCH_POINTS);
    assert_eq!(state.epochs().train().last().map(|p| p.0), Some(2000.0));
    assert_eq!(state.epochs().train().first().map(|p| p.0), Some(1.0));
    assert_eq!(state.log().len(), LOG_CAPACITY);
    assert_eq!(
        state.last_message().map(|m| m.text.as_str()),
        Some("w100000")
    );
}

#[test]
fn loss_buckets_average_their_steps() {
    let mut history = LossHistory::default();
    for s in 1..=(LOSS_BUCKETS as u64 + 1) {
        let loss = LossParts {
            total: s as f32,
            reconstruction: 0.0,
            kl: 0.0,
        };
        history.push(s, &loss);
    }
    assert_eq!(history.stride(), 2);
    assert_eq!(history.len(), LOSS_BUCKETS / 2 + 1);
    let means: Vec<f64> = history.recent(Term::Total, 3).collect();
    // Buckets (509, 510), (511, 512), (513).
    assert_eq!(means, vec![509.5, 511.5, 513.0]);
    assert_eq!(history.steps_per_bucket(3), 2.0);
    // Non-finite losses are not plotted.
    history.push(
        600,
        &LossParts {
            total: f32::NAN,
            ..LossParts::default()
        },
    );
    assert_eq!(history.len(), LOSS_BUCKETS / 2 + 1);
}

#[test]
fn sparse_reports_stay_bounded() {
    // One report every 97 steps (a trainer reporting every 100 ms).
    let mut history = LossHistory::default();
    for i in 1..=10_000u64 {
        history.push(i * 97, &LossParts::default());
        assert!(history.len() <= LOSS_BUCKETS);
        if i == 100 {
            // One report per bucket yet: a column is 97 steps.
            assert_eq!(history.stride(), 1);
            assert!((history.steps_per_bucket(50) - 97.0).abs() < 2.0);
        }
    }
    let stride = history.stride() as f64;
    assert!((history.steps_per_bucket(100) - stride).abs() <= stride * 0.1);
}

#[test]
fn eta_through_state_uses_total_steps() {
    let mut state = started(true);
    let total = state.info().map_or(0, |i| i.total_steps);
    let t0 = Instant::now();
    for i in 1..=3000u64 {
        state.apply_at(step(i), t0 + Duration::from_millis(i));
        // Not before a second of warm-up.
        assert_eq!(state.remaining().is_some(), i >= 1001 + 250, "{i}");
    }
    let left = state.remaining().map(|d| d.as_secs_f64()).unwrap_or(0.0);
    assert!(((total - 3000) as f64 / 1000.0 - left).abs() < 1e-6);
}

#[test]
fn a_new_run_resets_histories() {
    let mut state = started(true);
    for i in 1..=50 {
        state.apply(step(i));
    }
    state.apply(TrainingEvent::Started(synthetic::mnist_vae_info()));
    assert!(state.losses().is_empty());
    assert!(state.last_step().is_none());
}

#[test]
fn failures_and_hyperparameters_are_recorded() {
    let mut state = started(true);
    let before = state.hyperparameters().len();
    state.apply(TrainingEvent::Hyperparameter(Hyperparameter::LearningRate(
        2e-3,
    )));
    state.apply(TrainingEvent::Hyperparameter(Hyperparameter::ClipNorm(1.0)));
    let hp = state.hyperparameters();
    // The learning rate is replaced in place; a setting not shown before is added.
    assert_eq!(hp.len(), before + 1);
    assert!(hp.contains(&Hyperparameter::LearningRate(2e-3)));
    assert_eq!(hp.last(), Some(&Hyperparameter::ClipNorm(1.0)));
    state.apply(TrainingEvent::Failed {
        error: "NaN loss".into(),
    });
    assert_eq!(state.failure(), Some("NaN loss"));
    assert!(state.finished());
}
