//! The JSON-lines metrics: every event but pictures, serialized from its type, one a line. The
//! plain renderer writes them to standard output or `--metrics`; [`WithMetrics`] gives the
//! dashboard the same file.

use std::io::{self, Write};
use std::time::Instant;

use super::signals::Signal;
use super::{AfterStop, Renderer, Requests};
use tinyvae_host::train::events::{Command, TrainingEvent};

/// Writes `event`'s line to `out`, or nothing for a snapshot.
pub fn write_line(out: &mut dyn Write, event: &TrainingEvent) -> io::Result<()> {
    if matches!(event, TrainingEvent::Snapshot(_)) {
        return Ok(());
    }
    serde_json::to_writer(&mut *out, event)?;
    out.write_all(b"\n")
}

/// A renderer that also writes the metrics of every event it is shown.
pub struct WithMetrics<R> {
    inner: R,
    metrics: Box<dyn Write>,
}

impl<R: Renderer> WithMetrics<R> {
    /// `inner`, writing the metrics to `metrics`.
    pub fn new(inner: R, metrics: Box<dyn Write>) -> Self {
        Self { inner, metrics }
    }
}

impl<R: Renderer> Renderer for WithMetrics<R> {
    fn show(&mut self, event: TrainingEvent, now: Instant) -> io::Result<()> {
        write_line(self.metrics.as_mut(), &event)?;
        self.inner.show(event, now)
    }

    fn refresh(&mut self, now: Instant) -> io::Result<()> {
        self.inner.refresh(now)
    }

    fn requests(&mut self) -> io::Result<Requests> {
        self.inner.requests()
    }

    fn after_stop(&self) -> AfterStop {
        self.inner.after_stop()
    }

    fn interrupted(&mut self, signal: Signal) {
        self.inner.interrupted(signal);
    }

    fn not_delivered(&mut self, command: Command) {
        self.inner.not_delivered(command);
    }

    fn trainer_gone(&mut self) {
        self.inner.trainer_gone();
    }

    fn finish(&mut self) -> io::Result<()> {
        let flushed = self.metrics.flush();
        self.inner.finish()?;
        flushed
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tinyvae_host::train::events::RunState;

    #[test]
    fn lines_are_the_events_but_pictures() {
        let mut out = Vec::new();
        write_line(&mut out, &TrainingEvent::state(RunState::Done)).unwrap();
        write_line(&mut out, &TrainingEvent::Snapshot(Box::default())).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"event\":\"state\",\"state\":\"done\"}\n"
        );
    }
}
