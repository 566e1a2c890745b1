//! How many instructions a tick of the platform's counter stands for, measured on a loop of
//! known length ([`platform::spin`](crate::platform::spin): 2 instructions per iteration).

use firmware_sim::TickCounter;

use crate::platform::spin;

/// How many instructions a tick stands for, measured.
pub struct Calibration {
    /// Instructions executed in the calibration window.
    pub insns: u64,
    /// Ticks counted in the same window.
    pub ticks: u64,
}

/// Loop iterations of the short and long calibration runs; their difference is timed, so
/// call and timer-read overhead cancels out.
const SPIN_SHORT: u32 = 100_000;
/// See [`SPIN_SHORT`].
const SPIN_LONG: u32 = 1_100_000;

impl Calibration {
    /// Times [`spin`] for two lengths.
    pub fn measure(counter: &mut impl TickCounter) -> Self {
        let t0 = counter.ticks();
        spin(SPIN_SHORT);
        let t1 = counter.ticks();
        spin(SPIN_LONG);
        let t2 = counter.ticks();
        Self {
            insns: 2 * u64::from(SPIN_LONG - SPIN_SHORT),
            ticks: t2.saturating_sub(t1).saturating_sub(t1.saturating_sub(t0)),
        }
    }

    /// Converts ticks to instructions (rounded).
    pub fn insns(&self, ticks: u64) -> u64 {
        (ticks * self.insns + self.ticks / 2)
            .checked_div(self.ticks)
            .unwrap_or(0)
    }
}
