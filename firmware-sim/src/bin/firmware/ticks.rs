//! SysTick as a 64-bit tick counter, and its calibration in instructions.
//!
//! On QEMU's mps2-an386, SysTick with `CLKSOURCE = core` counts the board's 25 MHz
//! system clock (QEMU's `SYSCLK_FRQ`; the external reference is 1 MHz). With
//! `-icount shift=0`, QEMU advances virtual time by exactly 1 ns per guest instruction, so
//! one tick is 40 ns = 40 instructions: SysTick counts instructions in units of 40.
//! (DWT's cycle counter reads 0 under QEMU, so it is no use here.) Rather than trust that
//! constant, [`Calibration::measure`] times a loop of known instruction count.

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use firmware_sim::TickCounter;

/// SysTick is a 24-bit down-counter; let it run the full range.
const RELOAD: u32 = 0x00ff_ffff;

/// Number of times SysTick has wrapped (counted by its exception).
static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    WRAPS.fetch_add(1, Ordering::Relaxed);
}

/// SysTick extended to 64 bits by counting wraps in its exception.
pub struct SysTickCounter {
    _syst: SYST,
}

impl SysTickCounter {
    /// Starts SysTick on the core clock, with the wrap interrupt enabled.
    pub fn start(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(RELOAD);
        syst.clear_current();
        syst.enable_interrupt();
        syst.enable_counter();
        // Clearing leaves the counter at 0 until its first reload, which would read as a
        // full period: wait for the reload so the count starts near 0.
        while SYST::get_current() == 0 {}
        Self { _syst: syst }
    }
}

impl TickCounter for SysTickCounter {
    fn ticks(&mut self) -> u64 {
        loop {
            let wraps = WRAPS.load(Ordering::SeqCst);
            let current = SYST::get_current();
            // A wrap between the two loads would have run the exception: retry.
            if WRAPS.load(Ordering::SeqCst) == wraps {
                return u64::from(wraps) * u64::from(RELOAD + 1) + u64::from(RELOAD - current);
            }
        }
    }
}

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
    /// Times [`spin`] (exactly 2 instructions per iteration) for two lengths.
    pub fn measure(counter: &mut SysTickCounter) -> Self {
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

/// Counts `iterations` down to zero: `subs` + `bne`, 2 instructions per iteration.
// Inline assembly is unsafe by definition; this block only touches the one register it
// declares (no memory, no stack), so it cannot break any invariant.
#[allow(unsafe_code)]
#[inline(never)]
fn spin(iterations: u32) {
    // SAFETY: register-only loop, see above.
    unsafe {
        core::arch::asm!(
            "2:",
            "subs {n}, #1",
            "bne 2b",
            n = inout(reg) iterations => _,
            options(nomem, nostack),
        );
    }
}
