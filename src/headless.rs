//! The plain renderer: a progress line on stderr and metrics as JSON lines.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use serde_json::json;

use tinyvae_host::train::events::{LossReport, RunState, TrainingEvent};

/// Turns training events into a progress display and a JSON-lines metrics stream.
pub struct HeadlessRenderer<P: Write, M: Write> {
    progress: P,
    metrics: M,
    /// Whether `progress` is a terminal, where the progress line redraws in place.
    interactive: bool,
    total_steps: u64,
    last_progress: Option<Instant>,
    started: Instant,
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
            started: Instant::now(),
        }
    }

    /// Renders one event.
    pub fn render(&mut self, event: &TrainingEvent) -> io::Result<()> {
        match event {
            TrainingEvent::Started(info) => {
                self.total_steps = info.total_steps;
                let hyperparameters: serde_json::Map<String, serde_json::Value> = info
                    .hyperparameters
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                self.json(json!({
                    "event": "start",
                    "preset": info.preset,
                    "architecture": info.architecture,
                    "dataset": info.dataset,
                    "seed": info.seed,
                    "train_samples": info.train_samples,
                    "batch_size": info.batch_size,
                    "epochs": info.epochs,
                    "total_steps": info.total_steps,
                    "hyperparameters": hyperparameters,
                }))?;
                writeln!(
                    self.progress,
                    "training {} on {}: {}",
                    info.preset, info.dataset, info.architecture
                )?;
            }
            TrainingEvent::Step(step) => {
                self.json(json!({
                    "event": "step",
                    "step": step.step,
                    "epoch": step.epoch,
                    "loss": step.loss.total,
                    "reconstruction": step.loss.reconstruction,
                    "kl": step.loss.kl,
                    "samples_per_second": step.samples_per_second,
                    "learning_rate": step.learning_rate,
                    "beta": step.beta,
                }))?;
                self.progress_line(
                    step.step,
                    step.epoch,
                    step.loss.total,
                    step.samples_per_second,
                )?;
            }
            TrainingEvent::Epoch(epoch) => {
                self.json(json!({
                    "event": "epoch",
                    "epoch": epoch.epoch,
                    "train": loss_json(&epoch.train),
                    "test": loss_json(&epoch.test),
                }))?;
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
            TrainingEvent::State(state) => {
                let name = match state {
                    RunState::Training => "training",
                    RunState::Paused => "paused",
                    RunState::Done => "done",
                    RunState::Stopped => "stopped",
                };
                self.json(json!({ "event": "state", "state": name }))?;
            }
            TrainingEvent::Hyperparameter(name, value) => {
                self.json(json!({ "event": "hyperparameter", "name": name, "value": value }))?;
            }
            TrainingEvent::Saved { what, path } => {
                self.json(
                    json!({ "event": "saved", "what": what, "path": path.display().to_string() }),
                )?;
                self.clear_line()?;
                writeln!(self.progress, "saved {what} to {}", path.display())?;
            }
            TrainingEvent::Warning(message) => {
                self.json(json!({ "event": "warning", "message": message }))?;
                self.clear_line()?;
                writeln!(self.progress, "warning: {message}")?;
            }
            TrainingEvent::Failed(message) => {
                self.json(json!({ "event": "failed", "message": message }))?;
                self.clear_line()?;
                writeln!(self.progress, "error: {message}")?;
            }
            TrainingEvent::Snapshot(_) => {}
        }
        Ok(())
    }

    /// Flushes both streams and ends the progress line.
    pub fn finish(&mut self) -> io::Result<()> {
        self.clear_line()?;
        self.progress.flush()?;
        self.metrics.flush()
    }

    fn json(&mut self, value: serde_json::Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.metrics, &value)?;
        self.metrics.write_all(b"\n")
    }

    fn progress_line(&mut self, step: u64, epoch: usize, loss: f32, rate: f32) -> io::Result<()> {
        let now = Instant::now();
        if self
            .last_progress
            .is_some_and(|last| now - last < PROGRESS_INTERVAL)
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
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = if fraction > 0.0 {
            elapsed / fraction - elapsed
        } else {
            0.0
        };
        let line = format!(
            "{} {:>5.1}% step {step}/{} epoch {epoch} loss {loss:.3} {rate:.0} samples/s ETA {}",
            bar(fraction, 24),
            fraction * 100.0,
            self.total_steps,
            format_duration(eta)
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

fn loss_json(loss: &LossReport) -> serde_json::Value {
    json!({ "loss": loss.total, "reconstruction": loss.reconstruction, "kl": loss.kl })
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

/// Seconds as `1h02m`, `3m07s` or `12s`.
pub fn format_duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tinyvae_host::train::events::{EpochReport, StepReport};

    #[test]
    fn every_line_is_json() {
        let mut metrics = Vec::new();
        let mut progress = Vec::new();
        {
            let mut renderer = HeadlessRenderer::new(&mut progress, &mut metrics, false);
            let loss = LossReport {
                total: 100.0,
                reconstruction: 90.0,
                kl: 10.0,
            };
            renderer
                .render(&TrainingEvent::Step(StepReport {
                    step: 1,
                    epoch: 1,
                    loss,
                    samples_per_second: 1000.0,
                    learning_rate: 1e-3,
                    beta: 1.0,
                }))
                .unwrap();
            renderer
                .render(&TrainingEvent::Epoch(EpochReport {
                    epoch: 1,
                    train: loss,
                    test: loss,
                }))
                .unwrap();
            renderer
                .render(&TrainingEvent::State(RunState::Done))
                .unwrap();
            renderer.finish().unwrap();
        }
        let text = String::from_utf8(metrics).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["event"], "step");
        assert_eq!(lines[0]["kl"], 10.0);
        assert_eq!(lines[1]["test"]["reconstruction"], 90.0);
        assert_eq!(lines[2]["state"], "done");
    }

    #[test]
    fn durations_and_bars() {
        assert_eq!(format_duration(7.4), "7s");
        assert_eq!(format_duration(187.0), "3m07s");
        assert_eq!(format_duration(3720.0), "1h02m");
        assert_eq!(bar(0.5, 4), "[==> ]");
        assert_eq!(bar(1.0, 4), "[====]");
    }
}
