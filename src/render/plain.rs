//! The plain renderer: a progress line on stderr and metrics as JSON lines.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use tinyvae_host::train::events::{RunState, TrainingEvent};

use super::eta::Eta;
use super::{AfterStop, Renderer, Requests};
use crate::format;

/// Turns training events into a progress display and a JSON-lines metrics stream.
///
/// As a [`Renderer`] it ends the session when the schedule is done (or the trainer ended),
/// and writes every event up to the trainer's hang-up.
pub struct HeadlessRenderer<P: Write, M: Write> {
    progress: P,
    metrics: M,
    /// Whether `progress` is a terminal, where the progress line redraws in place.
    interactive: bool,
    total_steps: u64,
    last_progress: Option<Instant>,
    eta: Eta,
    /// Whether the schedule is done or the trainer gone: time to end the session.
    ending: bool,
}

/// How often the progress display is refreshed.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(200);

impl<P: Write, M: Write> HeadlessRenderer<P, M> {
    /// A renderer writing progress to `progress` and JSON lines to `metrics`.
    pub fn new(progress: P, metrics: M, interactive: bool) -> Self {
        Self {
            progress,
            metrics,
            interactive,
            total_steps: 0,
            last_progress: None,
            eta: Eta::default(),
            ending: false,
        }
    }

    /// Renders one event, timed now. See [`HeadlessRenderer::render_at`].
    pub fn render(&mut self, event: &TrainingEvent) -> io::Result<()> {
        self.render_at(event, Instant::now())
    }

    /// Renders one event received at `now`: its JSON line (every event but pictures) and the
    /// progress display, whose ETA is the dashboard's ([`Eta`]).
    pub fn render_at(&mut self, event: &TrainingEvent, now: Instant) -> io::Result<()> {
        super::metrics::write_line(&mut self.metrics, event)?;
        match event {
            TrainingEvent::Started(info) => {
                self.total_steps = info.total_steps;
                self.eta = Eta::default();
                writeln!(
                    self.progress,
                    "training {} on {}: {}",
                    info.preset, info.dataset, info.architecture
                )?;
            }
            TrainingEvent::Step(step) => {
                self.eta.step(step.step, now);
                self.progress_line(
                    now,
                    step.step,
                    step.epoch,
                    step.loss.total,
                    step.samples_per_second,
                )?;
            }
            TrainingEvent::Epoch(epoch) => {
                self.clear_line()?;
                writeln!(
                    self.progress,
                    "epoch {:>3}: train {:.3}  test {:.3} (reconstruction {:.3}, KL {:.3})",
                    epoch.epoch,
                    epoch.train.total,
                    epoch.test.total,
                    epoch.test.reconstruction,
                    epoch.test.kl
                )?;
            }
            TrainingEvent::Detection(report) => {
                self.clear_line()?;
                let aucs: Vec<String> = report
                    .scores
                    .iter()
                    .map(|s| format!("{} {:.4}", s.score.name(), s.auc))
                    .collect();
                writeln!(
                    self.progress,
                    "           ROC AUC {} on {} test samples ({} abnormal)",
                    aucs.join(", "),
                    report.test_samples,
                    report.anomalous
                )?;
            }
            TrainingEvent::Saved { artifact, path } => {
                self.clear_line()?;
                writeln!(
                    self.progress,
                    "saved {} to {}",
                    format::artifact(*artifact),
                    path.display()
                )?;
            }
            TrainingEvent::SaveFailed {
                artifact,
                path,
                error,
            } => {
                self.clear_line()?;
                writeln!(
                    self.progress,
                    "warning: {} not saved to {}: {error}",
                    format::artifact(*artifact),
                    path.display()
                )?;
            }
            TrainingEvent::Warning { message } => {
                self.clear_line()?;
                writeln!(self.progress, "warning: {message}")?;
            }
            TrainingEvent::Failed { error } => {
                self.clear_line()?;
                writeln!(self.progress, "error: {error}")?;
            }
            TrainingEvent::State { state } => match state {
                RunState::Paused => self.eta.pause(now),
                RunState::Training => self.eta.resume(now),
                // Headless runs end with the schedule.
                RunState::Done => self.ending = true,
                RunState::Stopped => {}
            },
            TrainingEvent::Hyperparameter(_) | TrainingEvent::Snapshot(_) => {}
        }
        Ok(())
    }

    fn progress_line(
        &mut self,
        now: Instant,
        step: u64,
        epoch: usize,
        loss: f32,
        rate: f32,
    ) -> io::Result<()> {
        if self
            .last_progress
            .is_some_and(|last| now.saturating_duration_since(last) < PROGRESS_INTERVAL)
            && step < self.total_steps
        {
            return Ok(());
        }
        self.last_progress = Some(now);
        let fraction = if self.total_steps > 0 {
            step as f64 / self.total_steps as f64
        } else {
            0.0
        };
        let eta = self
            .eta
            .remaining(self.total_steps)
            .map_or_else(|| "--".to_string(), format::duration);
        let line = format!(
            "{} {:>5.1}% step {step}/{} epoch {epoch} loss {loss:.3} {rate:.0} samples/s ETA {eta}",
            bar(fraction, 24),
            fraction * 100.0,
            self.total_steps,
        );
        if self.interactive {
            write!(self.progress, "\r\x1b[2K{line}")?;
        } else {
            writeln!(self.progress, "{line}")?;
        }
        self.progress.flush()
    }

    fn clear_line(&mut self) -> io::Result<()> {
        if self.interactive {
            write!(self.progress, "\r\x1b[2K")?;
        }
        Ok(())
    }
}

impl<P: Write, M: Write> Renderer for HeadlessRenderer<P, M> {
    fn show(&mut self, event: TrainingEvent, now: Instant) -> io::Result<()> {
        self.render_at(&event, now).map_err(metrics_error)
    }

    fn refresh(&mut self, _: Instant) -> io::Result<()> {
        Ok(())
    }

    fn requests(&mut self) -> io::Result<Requests> {
        Ok(Requests {
            commands: Vec::new(),
            quit: self.ending,
            interrupt: false,
        })
    }

    fn after_stop(&self) -> AfterStop {
        AfterStop::UntilHangUp
    }

    fn trainer_gone(&mut self) {
        self.ending = true;
    }

    /// Ends the progress line and flushes both streams.
    fn finish(&mut self) -> io::Result<()> {
        self.clear_line()
            .and_then(|()| self.progress.flush())
            .and_then(|()| self.metrics.flush())
            .map_err(metrics_error)
    }
}

fn metrics_error(error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("cannot write metrics: {error}"))
}

/// `[=====>    ]` of `width` cells.
fn bar(fraction: f64, width: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * width as f64) as usize).min(width);
    let mut s = String::with_capacity(width + 2);
    s.push('[');
    s.extend(std::iter::repeat_n('=', filled));
    if filled < width {
        s.push('>');
        s.extend(std::iter::repeat_n(' ', width - filled - 1));
    }
    s.push(']');
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tinyvae_host::anomaly::{DEFAULT_CALIBRATION, ScoreKind, judge};
    use tinyvae_host::data::{Dataset, Split};
    use tinyvae_host::presets::{VaeDigits, find_preset};
    use tinyvae_host::train::detection::DetectionReport;
    use tinyvae_host::train::events::{
        Artifact, EpochReport, Hyperparameter, LossParts, RunInfo, RunState, StepReport,
    };
    use tinyvae_host::train::trainer::Trainer;

    /// One event of every kind, with a `RunInfo` built by the real code for `vae-digits`.
    fn every_kind_of_event() -> Vec<TrainingEvent> {
        let config = find_preset("vae-digits").unwrap().config;
        let trainer = Trainer::<VaeDigits>::new(config).unwrap();
        let images = |n: usize| Dataset::new("digits", 8, 8, vec![0.5; n * 64], vec![3; n]);
        let data = Split {
            train: images(40).unwrap(),
            test: images(10).unwrap(),
        };
        let loss = LossParts {
            total: 100.0,
            reconstruction: 90.0,
            kl: 10.0,
        };
        vec![
            TrainingEvent::Started(RunInfo::new(&trainer, &data, "vae-digits")),
            TrainingEvent::state(RunState::Training),
            TrainingEvent::Step(StepReport {
                step: 1,
                epoch: 1,
                loss,
                samples_per_second: 1000.0,
                learning_rate: 1e-3,
                beta: 1.0,
            }),
            TrainingEvent::Snapshot(Box::default()),
            TrainingEvent::Epoch(EpochReport {
                epoch: 1,
                train: loss,
                test: loss,
            }),
            TrainingEvent::Detection(DetectionReport {
                epoch: 1,
                normal_classes: vec![3],
                test_samples: 4,
                anomalous: 2,
                calibration_samples: 3,
                rule: DEFAULT_CALIBRATION,
                scores: vec![
                    judge(
                        ScoreKind::ReconstructionMse,
                        &[0.01, 0.02, 0.04, 0.015],
                        &[false, false, true, true],
                        vec![0.01, 0.02, 0.01],
                    )
                    .unwrap(),
                ],
            }),
            TrainingEvent::Hyperparameter(Hyperparameter::LearningRate(2e-3)),
            TrainingEvent::Saved {
                artifact: Artifact::Checkpoint,
                path: "checkpoints/vae-digits.ckpt".into(),
            },
            TrainingEvent::SaveFailed {
                artifact: Artifact::DeviceWeights,
                path: "/read-only/vae-digits.tvw".into(),
                error: "Read-only file system (os error 30)".into(),
            },
            TrainingEvent::Warning {
                message: "could not draw the model".into(),
            },
            TrainingEvent::Failed {
                error: "the loss became NaN or infinite at step 2".into(),
            },
            TrainingEvent::state(RunState::Done),
        ]
    }

    /// The JSON-lines schema: one line per event but pictures, derived from the event types.
    #[test]
    fn json_lines_schema() {
        let mut metrics = Vec::new();
        let mut progress = Vec::new();
        {
            let mut renderer = HeadlessRenderer::new(&mut progress, &mut metrics, false);
            for event in every_kind_of_event() {
                renderer.render(&event).unwrap();
            }
            renderer.finish().unwrap();
        }
        let text = String::from_utf8(metrics).unwrap();
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
        assert_eq!(text.lines().count(), every_kind_of_event().len() - 1);
        insta::assert_snapshot!(text);
    }

    /// The progress line's ETA is the dashboard's: measured after the warm-up, rounded.
    #[test]
    fn progress_lines_show_the_warm_up_aware_eta() {
        let events = every_kind_of_event();
        let mut progress = Vec::new();
        {
            let mut renderer = HeadlessRenderer::new(&mut progress, io::sink(), false);
            let t0 = Instant::now();
            renderer.render_at(&events[0], t0).unwrap();
            // 100 steps per second; the first second is warm-up.
            for step in 1..=201 {
                let report = TrainingEvent::Step(StepReport {
                    step,
                    epoch: 1,
                    loss: LossParts::default(),
                    samples_per_second: 3200.0,
                    learning_rate: 1e-3,
                    beta: 1.0,
                });
                let at = t0 + Duration::from_millis(10 * step);
                renderer.render_at(&report, at).unwrap();
            }
        }
        let text = String::from_utf8(progress).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // One line per 200 ms: steps 1, 21, ..., 201.
        assert_eq!(lines.len(), 1 + 11, "{text}");
        assert!(lines[1].ends_with("step 1/400 epoch 1 loss 0.000 3200 samples/s ETA --"));
        // 199 steps left at 100 steps/s: 1.99 s, shown as 2s.
        assert!(lines[11].ends_with("step 201/400 epoch 1 loss 0.000 3200 samples/s ETA 2s"));
    }

    #[test]
    fn the_session_ends_with_the_schedule_or_the_trainer() {
        let mut renderer = HeadlessRenderer::new(io::sink(), io::sink(), false);
        let now = Instant::now();
        renderer
            .show(TrainingEvent::state(RunState::Training), now)
            .unwrap();
        assert!(!renderer.requests().unwrap().quit);
        renderer
            .show(TrainingEvent::state(RunState::Done), now)
            .unwrap();
        assert_eq!(
            renderer.requests().unwrap(),
            Requests {
                commands: Vec::new(),
                quit: true,
                interrupt: false,
            }
        );
        assert_eq!(renderer.after_stop(), AfterStop::UntilHangUp);

        let mut renderer = HeadlessRenderer::new(io::sink(), io::sink(), false);
        renderer.trainer_gone();
        assert!(renderer.requests().unwrap().quit);
    }

    #[test]
    fn bars() {
        assert_eq!(bar(0.5, 4), "[==> ]");
        assert_eq!(bar(1.0, 4), "[====]");
    }
}
