//! Measures the bytes the dashboard writes to a terminal, by driving the real render path
//! ([`Dashboard`] over its crossterm backend) with a synthetic event stream on a simulated
//! clock and counting the output with a [`CountingWriter`]. Deterministic: no sleeping, no
//! timing; the loop turns every [`POLL`] of simulated time like the real one.

use std::io;
use std::time::{Duration, Instant};

use ratatui::Viewport;
use ratatui::layout::Rect;

use super::counting::CountingWriter;
use super::dashboard::Dashboard;
use super::mode::Mode;
use super::options::DashboardOptions;
use super::synthetic::{Kind, SyntheticRun};
use crate::render::driver::POLL;
use tinyvae_host::train::events::TrainingEvent;

/// What to simulate.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The run imitated.
    pub kind: Kind,
    /// Its seed.
    pub seed: u64,
    /// Epochs of the run (its length).
    pub epochs: usize,
    /// Terminal size.
    pub width: u16,
    /// Terminal size.
    pub height: u16,
    /// Dashboard options (frame interval, colours, ASCII).
    pub options: DashboardOptions,
    /// The view shown.
    pub mode: Mode,
    /// Training speed.
    pub steps_per_second: f64,
    /// Steps between snapshots.
    pub snapshot_every: u64,
    /// Steps between step reports (1: every step).
    pub report_every: u64,
    /// Simulated time before counting starts (the first full frame, the first snapshot).
    pub warmup: Duration,
    /// Simulated time counted.
    pub measured: Duration,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            kind: Kind::VaeMnist2d,
            seed: 1,
            epochs: 60,
            width: 120,
            height: 40,
            options: DashboardOptions::default(),
            mode: Mode::Overview,
            steps_per_second: 1000.0,
            snapshot_every: 1000,
            report_every: 1,
            warmup: Duration::from_secs(5),
            measured: Duration::from_secs(20),
        }
    }
}

/// What was written during the counted time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measurement {
    /// Bytes written.
    pub bytes: u64,
    /// Frames drawn.
    pub frames: u64,
    /// Events applied.
    pub events: u64,
    /// Simulated seconds counted.
    pub seconds: f64,
}

impl Measurement {
    /// Bytes per second.
    pub fn bytes_per_second(&self) -> f64 {
        self.bytes as f64 / self.seconds
    }

    /// Frames per second.
    pub fn frames_per_second(&self) -> f64 {
        self.frames as f64 / self.seconds
    }
}

/// Runs a scenario and counts the bytes written during its measured part.
///
/// # Errors
///
/// Never in practice (the output goes to a sink); the signature follows the backend's.
pub fn measure(scenario: &Scenario) -> io::Result<Measurement> {
    let mut run = SyntheticRun::new(scenario.kind, scenario.seed);
    run.set_epochs(scenario.epochs);
    run.steps_per_second = scenario.steps_per_second as f32;
    run.snapshot_every = scenario.snapshot_every;
    run.report_every = scenario.report_every;
    let writer = CountingWriter::new(io::sink());
    let counter = writer.counter();
    let area = Rect::new(0, 0, scenario.width, scenario.height);
    let mut dashboard = Dashboard::new(writer, &scenario.options, Viewport::Fixed(area))?;
    dashboard.state_mut().set_mode(scenario.mode);

    let t0 = Instant::now();
    let turns_warm = (scenario.warmup.as_secs_f64() / POLL.as_secs_f64()).round() as u64;
    let turns = turns_warm + (scenario.measured.as_secs_f64() / POLL.as_secs_f64()).round() as u64;
    let mut pending: Option<TrainingEvent> = None;
    let (mut bytes0, mut frames0, mut events, mut events0) = (0, 0, 0u64, 0);
    for turn in 1..=turns {
        let elapsed = POLL * u32::try_from(turn).unwrap_or(u32::MAX);
        let now = t0 + elapsed;
        let steps_by_now = (elapsed.as_secs_f64() * scenario.steps_per_second) as u64;
        while let Some(event) = pending.take().or_else(|| run.next()) {
            let at = match &event {
                TrainingEvent::Step(s) if s.step > steps_by_now => {
                    pending = Some(event);
                    break;
                }
                TrainingEvent::Step(s) => {
                    t0 + Duration::from_secs_f64(s.step as f64 / scenario.steps_per_second)
                }
                _ => now,
            };
            dashboard.apply(event, at);
            events += 1;
        }
        dashboard.draw_if_due(now)?;
        if turn == turns_warm {
            (bytes0, frames0, events0) = (counter.get(), dashboard.frames(), events);
        }
    }
    Ok(Measurement {
        bytes: counter.get() - bytes0,
        frames: dashboard.frames() - frames0,
        events: events - events0,
        seconds: scenario.measured.as_secs_f64(),
    })
}
