//! Entry point, fault handlers and the printed report.
//!
//! Output is one `key=value` per line (parsed by `tests/qemu.rs`); every figure is
//! computed at run time from linker symbols, the painted stack or SysTick.

use core::panic::PanicInfo;

use cortex_m::asm;
use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, heprintln, hprintln};
use firmware_sim::blob::BENCH_WEIGHTS;
use firmware_sim::{DeviceError, FLASH_BUDGET, RAM_BUDGET, device, kernel};

use crate::mem;
use crate::ticks::{Calibration, SysTickCounter};

/// Kernel calls in the timed loop: enough that SysTick's resolution (one tick is tens of
/// instructions) and the fixed overhead vanish in the average.
const CALLS: u32 = 1000;

#[entry]
fn main() -> ! {
    let status = match run() {
        Ok(()) => debug::EXIT_SUCCESS,
        Err(e) => {
            heprintln!("error: {}", e);
            hprintln!("result=error");
            debug::EXIT_FAILURE
        }
    };
    exit(status)
}

/// Exits QEMU through semihosting (and parks the core if there is no debugger).
fn exit(status: debug::ExitStatus) -> ! {
    debug::exit(status);
    loop {
        asm::wfi();
    }
}

/// Runs the workload, measures, prints.
fn run() -> Result<(), DeviceError> {
    let Some(core) = cortex_m::Peripherals::take() else {
        panic!("core peripherals already taken");
    };
    let mut counter = SysTickCounter::start(core.SYST);
    let cal = Calibration::measure(&mut counter);

    let input = kernel::bench_input();
    let once = device::dense(BENCH_WEIGHTS, &input)?;
    device::verify(BENCH_WEIGHTS, &input, &once)?;
    let bench = device::bench_dense(BENCH_WEIGHTS, &input, CALLS, &mut counter)?;
    // The timed calls must produce the checked answer too.
    device::verify(BENCH_WEIGHTS, &input, &bench.dense)?;
    // Stack used by the device logic (before any printing).
    let stack_device = mem::stack_high_water();

    let layout = mem::Layout::read();
    hprintln!("tinyvae firmware: mps2-an386 Cortex-M4F");
    hprintln!("flash_bytes={}", layout.flash_bytes());
    hprintln!("flash_budget={}", FLASH_BUDGET);
    hprintln!("ram_data_bytes={}", layout.data_bytes());
    hprintln!("ram_bss_bytes={}", layout.bss_bytes());
    hprintln!("ram_static_bytes={}", layout.static_ram_bytes());
    hprintln!("stack_region_bytes={}", layout.stack_region_bytes());
    hprintln!("stack_device_bytes={}", stack_device);
    hprintln!(
        "systick_insns_per_tick={}",
        Fixed2::ratio(cal.insns, cal.ticks)
    );
    let overhead = cal.insns(bench.overhead_ticks);
    let net = cal.insns(bench.net_ticks());
    hprintln!("kernel_calls={}", bench.calls);
    hprintln!("kernel_macs_per_call={}", bench.dense.macs);
    hprintln!(
        "kernel_checksum_bits={:#010x}",
        bench.dense.checksum.to_bits()
    );
    hprintln!("loop_overhead_insns={}", overhead);
    hprintln!(
        "insns_per_call={}",
        Fixed2::ratio(net, u64::from(bench.calls))
    );
    hprintln!("insns_per_mac={}", Fixed2::ratio(net, bench.total_macs()));

    // Peak stack including the printing above; the budget check covers everything.
    let stack_peak = mem::stack_high_water();
    let ram_used = layout.static_ram_bytes() + stack_peak;
    hprintln!("stack_high_water_bytes={}", stack_peak);
    hprintln!("ram_used_bytes={}", ram_used);
    hprintln!("ram_budget={}", RAM_BUDGET);
    if ram_used > RAM_BUDGET || layout.ram_bytes() != RAM_BUDGET {
        heprintln!("RAM over budget or memory.x/linker mismatch");
        hprintln!("result=over_budget");
        exit(debug::EXIT_FAILURE);
    }
    hprintln!("result=ok");
    Ok(())
}

/// A non-negative ratio printed with two decimals, without pulling in float formatting.
struct Fixed2(u64);

impl Fixed2 {
    /// `num / den`, rounded to hundredths (`0` if `den` is 0).
    fn ratio(num: u64, den: u64) -> Self {
        Self((num * 100 + den / 2).checked_div(den).unwrap_or(0))
    }
}

impl core::fmt::Display for Fixed2 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// Any panic: report it and make QEMU exit with failure.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    heprintln!("panic: {}", info);
    exit(debug::EXIT_FAILURE)
}

/// A HardFault (bad memory access, undefined instruction, ...): report the faulting PC
/// and make QEMU exit with failure instead of hanging.
// cortex-m-rt requires the HardFault handler to be an `unsafe fn` (it runs on a possibly
// corrupted stack); the body itself does nothing unsafe.
#[allow(unsafe_code)]
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    heprintln!("hardfault: pc={:#010x} lr={:#010x}", frame.pc(), frame.lr());
    exit(debug::EXIT_FAILURE)
}
