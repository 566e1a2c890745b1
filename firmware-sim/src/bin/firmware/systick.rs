//! SysTick as a 64-bit tick counter: the instruction counter of the Arm boards.
//!
//! SysTick with `CLKSOURCE = core` counts the board's system clock: 25 MHz on QEMU's
//! mps2-an386 (`SYSCLK_FRQ`; the external reference is 1 MHz), 16 MHz on its micro:bit (the
//! nRF51's HCLK). With `-icount shift=0`, QEMU advances virtual time by exactly 1 ns per guest
//! instruction, so one tick is 40 instructions on the first and 62.5 on the second. (DWT's
//! cycle counter reads 0 under QEMU and the Cortex-M0 has none.) Rather than trust those
//! constants, `Calibration::measure` times a loop of known instruction count.

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use firmware_sim::TickCounter;

/// SysTick is a 24-bit down-counter; let it run the full range.
const RELOAD: u32 = 0x00ff_ffff;

/// Number of times SysTick has wrapped (counted by its exception).
static WRAPS: AtomicU32 = AtomicU32::new(0);

// A load and a store, not `fetch_add`: the Cortex-M0 has no atomic read-modify-write, and
// nothing else writes WRAPS.
#[exception]
fn SysTick() {
    WRAPS.store(
        WRAPS.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
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
