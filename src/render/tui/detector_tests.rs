//! The detector view drawn from reports the host's own judgement builds, as insta text
//! snapshots, and the keys that belong to it.

use crossterm::event::{KeyCode, KeyEvent};
use tinyvae_host::anomaly::{DEFAULT_CALIBRATION, ScoreKind, judge};
use tinyvae_host::train::detection::DetectionReport;
use tinyvae_host::train::events::{EpochReport, LossParts, TrainingEvent};

use super::mode::Mode;
use super::state::DashboardState;
use super::synthetic::digits_dae_info;
use super::test_frames::{ASCII, COLOR, assert_ascii, frame};

/// 36 normal and 324 abnormal test scores that separate better epoch after epoch, judged
/// against 50 normal training scores.
fn report(epoch: usize) -> DetectionReport {
    let gap = 0.1 * epoch as f32;
    let wobble = |i: usize| ((i * 37) % 101) as f32 / 100.0;
    let mut scores: Vec<f32> = (0..36).map(|i| 0.5 + wobble(i)).collect();
    scores.extend((0..324).map(|i| 0.3 + gap + 1.5 * wobble(i + 7)));
    let anomalous: Vec<bool> = (0..360).map(|i| i >= 36).collect();
    let normal: Vec<f32> = (0..50).map(|i| 0.5 + wobble(i + 3)).collect();
    let scores = [
        ScoreKind::ReconstructionMse,
        ScoreKind::ReconstructionRelative,
        ScoreKind::ReconstructionCrossEntropy,
    ]
    .into_iter()
    .enumerate()
    .map(|(k, kind)| {
        let shifted: Vec<f32> = scores.iter().map(|s| s * (1.0 + k as f32)).collect();
        let normal = normal.iter().map(|s| s * (1.0 + k as f32)).collect();
        match judge(kind, &shifted, &anomalous, normal) {
            Ok(score) => score,
            Err(e) => panic!("{e}"),
        }
    })
    .collect();
    DetectionReport {
        epoch,
        normal_classes: vec![0],
        test_samples: 360,
        anomalous: 324,
        calibration_samples: 50,
        rule: DEFAULT_CALIBRATION,
        scores,
    }
}

fn detector_run(epochs: usize) -> DashboardState {
    let mut info = digits_dae_info();
    info.normal_classes = Some(vec![0]);
    let mut state = DashboardState::new();
    state.apply(TrainingEvent::Started(info));
    for epoch in 1..=epochs {
        let loss = LossParts {
            total: 30.0 / epoch as f32,
            reconstruction: 30.0 / epoch as f32,
            kl: 0.0,
        };
        state.apply(TrainingEvent::Epoch(EpochReport {
            epoch,
            train: loss,
            test: loss,
        }));
        state.apply(TrainingEvent::Detection(report(epoch)));
    }
    state.set_mode(Mode::Detector);
    state
}

#[test]
fn detector_80x24() {
    insta::assert_snapshot!(frame(&detector_run(6), &COLOR, 80, 24));
}

#[test]
fn detector_120x40_ascii() {
    let s = frame(&detector_run(6), &ASCII, 120, 40);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn detector_before_the_first_epoch_says_when_it_fills() {
    let s = frame(&detector_run(0), &COLOR, 80, 24);
    assert!(s.contains("scored at the end of each epoch"), "{s}");
}

#[test]
fn a_selects_the_next_score_and_tab_reaches_the_view_only_in_a_detector_run() {
    let key = |c| KeyEvent::from(KeyCode::Char(c));
    let mut state = detector_run(2);
    let shown = |s: &DashboardState| s.detection().selected().map(|d| d.score);
    assert_eq!(shown(&state), Some(ScoreKind::ReconstructionMse));
    assert_eq!(state.handle_key(key('a')), None);
    assert_eq!(shown(&state), Some(ScoreKind::ReconstructionRelative));
    assert!(frame(&state, &COLOR, 80, 24).contains("rel scores of the test samples"));
    state.set_mode(Mode::Latent);
    state.handle_key(KeyEvent::from(KeyCode::Tab));
    assert_eq!(state.mode(), Mode::Detector);

    // A run that is not a detector's: no view, and `a` says why.
    let mut plain = DashboardState::new();
    plain.apply(TrainingEvent::Started(digits_dae_info()));
    plain.set_mode(Mode::Latent);
    plain.handle_key(KeyEvent::from(KeyCode::Tab));
    assert_eq!(plain.mode(), Mode::Run);
    assert_eq!(plain.handle_key(key('a')), None);
    assert!(
        plain
            .last_message()
            .is_some_and(|m| m.text.contains("--normal-class"))
    );
    assert!(!frame(&plain, &COLOR, 100, 24).contains("detector"));
}

#[test]
fn a_new_run_forgets_the_reports_and_leaves_a_view_it_does_not_have() {
    let mut state = detector_run(3);
    assert_eq!(state.detection().last().map(|r| r.epoch), Some(3));
    state.apply(TrainingEvent::Started(digits_dae_info()));
    assert!(state.detection().last().is_none());
    assert_eq!(state.mode(), Mode::Overview);
}
