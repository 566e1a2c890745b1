//! The RISC-V platform, for the RV32IMAC hart of QEMU's `virt` machine: riscv-rt's start-up,
//! the exception handler, RISC-V semihosting (the `slli`/`ebreak`/`srai` sequence, which QEMU
//! serves with `-semihosting-config enable=on`) for output and exit, and `minstret` as the
//! instruction counter.
//!
//! Semihosting rather than the machine's UART and test device: stdout and stderr stay apart
//! and the exit status is the firmware's, exactly as on the Arm boards, so the QEMU tests read
//! every board the same way.

use firmware_sim::TickCounter;
use riscv::register::{mcause, mepc, minstret, mtval};
use riscv_rt::{TrapFrame, entry};
use riscv_semihosting::debug;
pub use riscv_semihosting::{heprintln, hprintln};

/// What the free stack is painted with (cortex-m-rt's value, so memory dumps read alike).
pub const STACK_PAINT_VALUE: u32 = 0xCCCC_CCCC;

#[entry]
fn main() -> ! {
    // riscv-rt does not paint the stack: paint it before anything runs, as cortex-m-rt's
    // `paint-stack` does at reset.
    crate::mem::repaint_stack();
    crate::app::run_and_exit()
}

/// `minstret`: instructions retired since reset. Under `-icount shift=0` QEMU counts them
/// exactly (without `-icount` it would return host time), so a tick is an instruction.
pub struct Counter;

impl TickCounter for Counter {
    fn ticks(&mut self) -> u64 {
        minstret::read64()
    }
}

/// Starts the instruction counter (`minstret` always runs).
pub fn start_counter() -> Counter {
    Counter
}

/// Exits QEMU through semihosting with success or failure (and waits for an interrupt that
/// never comes if there is no host).
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        riscv::asm::wfi();
    }
}

/// The stack pointer.
pub fn stack_pointer() -> usize {
    let sp: usize;
    // Reading `sp` into a register: no memory, no stack, no flags.
    #[allow(unsafe_code)]
    // SAFETY: a register move, see above.
    unsafe {
        core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

/// Counts `iterations` down to zero: `addi` + `bnez`, 2 instructions per iteration.
// Inline assembly is unsafe by definition; this block only touches the one register it
// declares (no memory, no stack), so it cannot break any invariant.
#[allow(unsafe_code)]
#[inline(never)]
pub fn spin(iterations: u32) {
    // SAFETY: register-only loop, see above.
    unsafe {
        core::arch::asm!(
            "2:",
            "addi {n}, {n}, -1",
            "bnez {n}, 2b",
            n = inout(reg) iterations => _,
            options(nomem, nostack),
        );
    }
}

/// Any exception (bad memory access, illegal instruction, stack overflow into unmapped
/// memory, ...): report its cause and address and make QEMU exit with failure instead of
/// hanging in riscv-rt's default loop.
// riscv-rt calls the symbol `ExceptionHandler` for every exception; exporting a symbol
// under a chosen name is `unsafe` because nothing checks its signature (this is the one
// riscv-rt documents).
#[allow(unsafe_code)]
#[unsafe(export_name = "ExceptionHandler")]
fn exception_handler(_frame: &TrapFrame) -> ! {
    heprintln!(
        "fault: mcause={:#x} mepc={:#010x} mtval={:#010x}",
        mcause::read().bits(),
        mepc::read(),
        mtval::read()
    );
    hprintln!("result=fault");
    exit(false)
}
