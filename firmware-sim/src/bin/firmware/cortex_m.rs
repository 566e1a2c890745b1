//! The Arm platform, for the Cortex-M4F of mps2-an386 and the Cortex-M0 of the micro:bit:
//! cortex-m-rt's start-up (which paints the stack at reset, feature `paint-stack`), the
//! HardFault handler, ARM semihosting for output and exit, and SysTick as the instruction
//! counter.

use cortex_m::asm;
use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::debug;
pub use cortex_m_semihosting::{heprintln, hprintln};

pub use crate::systick::SysTickCounter as Counter;

/// What cortex-m-rt paints the stack with at reset, and [`crate::mem`] paints it with again.
pub const STACK_PAINT_VALUE: u32 = cortex_m_rt::STACK_PAINT_VALUE;

#[entry]
fn main() -> ! {
    crate::app::run_and_exit()
}

/// Starts the instruction counter (SysTick; called once).
pub fn start_counter() -> Counter {
    let Some(core) = cortex_m::Peripherals::take() else {
        panic!("core peripherals already taken");
    };
    Counter::start(core.SYST)
}

/// Exits QEMU through semihosting with success or failure (and parks the core if there is no
/// debugger).
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        asm::wfi();
    }
}

/// The stack pointer (MSP: the firmware runs in thread mode on the main stack).
pub fn stack_pointer() -> usize {
    cortex_m::register::msp::read() as usize
}

/// Counts `iterations` down to zero: `subs` + `bne`, 2 instructions per iteration.
// Inline assembly is unsafe by definition; this block only touches the one register it
// declares (no memory, no stack), so it cannot break any invariant.
#[allow(unsafe_code)]
#[inline(never)]
pub fn spin(iterations: u32) {
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

/// A HardFault (bad memory access, undefined instruction, stack overflow into unmapped
/// memory, ...): report the faulting PC and make QEMU exit with failure instead of hanging.
// cortex-m-rt requires the HardFault handler to be an `unsafe fn` (it runs on a possibly
// corrupted stack); the body itself does nothing unsafe.
#[allow(unsafe_code)]
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    heprintln!("hardfault: pc={:#010x} lr={:#010x}", frame.pc(), frame.lr());
    hprintln!("result=hardfault");
    exit(false)
}
