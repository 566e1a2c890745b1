//! How a training run is driven: report, picture and save rates.

use std::time::Duration;

/// How often step reports are sent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReportEvery {
    /// Every `n` steps (deterministic: scripts get the same lines every run).
    Steps(u64),
    /// At most once per interval (the dashboard).
    Interval(Duration),
}

/// How a run is driven: how often it reports, draws and saves.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// Step report rate.
    pub report: ReportEvery,
    /// Snapshot rate; None sends none.
    pub snapshots: Option<Duration>,
    /// At the end of an epoch, save a checkpoint if this long has passed since the last one
    /// (zero: every epoch; None: only when asked).
    pub checkpoint_interval: Option<Duration>,
    /// Test digits per snapshot.
    pub digits_shown: usize,
}
