//! The estimated time to the end of a run, as both renderers show it.

use std::time::{Duration, Instant};

/// Steps after the start (or a resume) ignored by the ETA: they include one-off costs.
pub const WARMUP_STEPS: u64 = 10;
/// Time after the first step also ignored by the ETA (whichever of the two ends later).
pub const WARMUP_TIME: Duration = Duration::from_secs(1);
/// Measured time needed after the warm-up before an ETA is shown.
pub const MIN_ETA_SPAN: Duration = Duration::from_millis(250);

/// Estimated time to the end of the run, from the step rate measured after a warm-up.
///
/// The first [`WARMUP_STEPS`] steps and [`WARMUP_TIME`] after the first step reported are
/// ignored (allocation, page faults, caches); then the rate is measured from that point on,
/// over wall-clock time, so the test-set evaluations between epochs are included.
/// Time spent paused is not counted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Eta {
    /// First step seen in this session and when.
    first: Option<(u64, Instant)>,
    /// Where the measurement starts (after the warm-up).
    base: Option<(u64, Instant)>,
    /// The latest step and when.
    last: Option<(u64, Instant)>,
    paused_at: Option<Instant>,
}

impl Eta {
    /// Records that `step` was reported at `now`.
    pub fn step(&mut self, step: u64, now: Instant) {
        if let Some(paused_at) = self.paused_at.take() {
            self.resume_after(now.saturating_duration_since(paused_at));
        }
        if let Some((last, _)) = self.last
            && step < last
        {
            // Steps went backwards: a new run or a restored checkpoint. Start over.
            *self = Eta::default();
        }
        let first = *self.first.get_or_insert((step, now));
        if self.base.is_none()
            && step >= first.0 + WARMUP_STEPS
            && now.saturating_duration_since(first.1) >= WARMUP_TIME
        {
            self.base = Some((step, now));
        }
        self.last = Some((step, now));
    }

    /// Records that training paused at `now`: the time until the next step is not counted.
    pub fn pause(&mut self, now: Instant) {
        if self.paused_at.is_none() {
            self.paused_at = Some(now);
        }
    }

    /// Records that training resumed at `now`.
    pub fn resume(&mut self, now: Instant) {
        if let Some(paused_at) = self.paused_at.take() {
            self.resume_after(now.saturating_duration_since(paused_at));
        }
    }

    fn resume_after(&mut self, paused: Duration) {
        // Shift the measurement start forward by the pause, as if it had not happened.
        if let Some((step, at)) = self.base {
            self.base = Some((step, at + paused));
        }
    }

    /// Measured steps per second, once the warm-up is over and enough time was measured.
    pub fn steps_per_second(&self) -> Option<f64> {
        let (base_step, base_at) = self.base?;
        let (last_step, last_at) = self.last?;
        let span = last_at.saturating_duration_since(base_at);
        if last_step <= base_step || span < MIN_ETA_SPAN {
            return None;
        }
        Some((last_step - base_step) as f64 / span.as_secs_f64())
    }

    /// Time left to reach `total_steps`, counted from the latest step: zero once it is
    /// reached, whether a rate was measured or not.
    pub fn remaining(&self, total_steps: u64) -> Option<Duration> {
        let (last_step, _) = self.last?;
        if last_step >= total_steps {
            return Some(Duration::ZERO);
        }
        let rate = self.steps_per_second()?;
        let left = (total_steps - last_step) as f64;
        let seconds = left / rate;
        seconds
            .is_finite()
            .then(|| Duration::from_secs_f64(seconds.min(1e9)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_ignores_the_warm_up_and_pauses() {
        let mut eta = Eta::default();
        let t0 = Instant::now();
        // Warm-up: 10 slow steps (1 s each) that must not count.
        for s in 1..=WARMUP_STEPS {
            eta.step(s, t0 + Duration::from_secs(s));
        }
        assert_eq!(eta.remaining(1000), None);
        // Then 100 steps per second.
        let base = t0 + Duration::from_secs(WARMUP_STEPS + 1);
        eta.step(WARMUP_STEPS + 1, base);
        assert_eq!(eta.remaining(1000), None, "no span measured yet");
        for i in 1..=100u64 {
            eta.step(WARMUP_STEPS + 1 + i, base + Duration::from_millis(10 * i));
        }
        assert_eq!(eta.steps_per_second(), Some(100.0));
        // 1000 - 111 steps left at 100 steps/s.
        let left = eta.remaining(1000).map(|d| d.as_secs_f64());
        assert!((left.unwrap_or(0.0) - 8.89).abs() < 1e-9, "{left:?}");

        // A 60 s pause is not counted.
        let paused = base + Duration::from_secs(1);
        eta.pause(paused);
        eta.resume(paused + Duration::from_secs(60));
        eta.step(
            WARMUP_STEPS + 201,
            paused + Duration::from_secs(60) + Duration::from_secs(1),
        );
        // 200 steps in 2 s of training.
        assert_eq!(eta.steps_per_second(), Some(100.0));
    }

    #[test]
    fn nothing_left_is_zero_even_before_a_rate() {
        let mut eta = Eta::default();
        assert_eq!(eta.remaining(5), None);
        let t0 = Instant::now();
        eta.step(4, t0);
        assert_eq!(eta.remaining(5), None);
        eta.step(5, t0);
        assert_eq!(eta.remaining(5), Some(Duration::ZERO));
    }
}
