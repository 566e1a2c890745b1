//! The boards the firmware runs on under QEMU: one per Rust target, each with its memory
//! layout in `memory/<name>.x` (the single source of its RAM and flash budget) and its QEMU
//! command in the workspace's `.cargo/config.toml` (the runner of its target).
//!
//! This file is also compiled into build.rs (by `#[path]`), which picks the board of the target
//! being built and links its memory layout, so it uses nothing but `core`.

/// How a board computes in floating point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatUnit {
    /// A single-precision FPU (`vadd.f32`, `vmul.f32`, ...; no fused multiply-add is emitted).
    Hardware,
    /// No FPU: every operation is a call into compiler-builtins' IEEE 754 routines.
    Software,
}

/// The counter the firmware times its work with, read as instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstructionCounter {
    /// SysTick on the core clock: under `-icount shift=0` QEMU advances virtual time 1 ns per
    /// instruction, so a tick of a clock of f Hz stands for 10⁹ / f instructions (measured by
    /// the firmware on a loop of known length).
    SysTick,
    /// The `minstret` CSR: under `-icount` QEMU counts retired instructions exactly.
    Minstret,
}

/// A board the firmware is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Board {
    /// The board's name: QEMU's machine, and the memory layout `memory/<name>.x`.
    pub name: &'static str,
    /// The Rust target of its firmware.
    pub target: &'static str,
    /// The core QEMU emulates.
    pub core: &'static str,
    /// Its floating point.
    pub float: FloatUnit,
    /// What the firmware counts instructions with.
    pub counter: InstructionCounter,
    /// The QEMU property that sizes the machine's RAM, where it has less than a measurement
    /// build (`TINYVAE_MEASUREMENT_BUILD=1`) links ([`MEASUREMENT_RAM`]): that build runs with
    /// `-global <property>=<MEASUREMENT_RAM>`.
    pub measurement_ram_property: Option<&'static str>,
    /// The QEMU property that sizes the machine's flash, where it has less than a measurement
    /// build links ([`MEASUREMENT_FLASH`]): that build runs with
    /// `-global <property>=<MEASUREMENT_FLASH>`.
    pub measurement_flash_property: Option<&'static str>,
}

/// RAM a measurement build links (at the RAM region's origin), whatever the board's budget, so
/// that modes over the budget can run and be measured.
pub const MEASUREMENT_RAM: usize = 256 * 1024;
/// Flash a measurement build links at least: it carries every mode, also those a board's RAM
/// could never run and its shipped build leaves out, more than the micro:bit's 256 KiB.
pub const MEASUREMENT_FLASH: usize = 512 * 1024;

/// QEMU's `mps2-an386`: an MPS2 FPGA board with a Cortex-M4F and 4 MiB of SSRAM at 0x0 and at
/// 0x2000_0000. The reference board: host builds (the host simulation) take its budget.
pub const MPS2_AN386: Board = Board {
    name: "mps2-an386",
    target: "thumbv7em-none-eabihf",
    core: "Cortex-M4F",
    float: FloatUnit::Hardware,
    counter: InstructionCounter::SysTick,
    measurement_ram_property: None,
    measurement_flash_property: None,
};

/// QEMU's `microbit`: the BBC micro:bit's nRF51822, a Cortex-M0 with 256 KiB of flash at 0x0
/// and 16 KiB of RAM at 0x2000_0000.
pub const MICROBIT: Board = Board {
    name: "microbit",
    target: "thumbv6m-none-eabi",
    core: "Cortex-M0",
    float: FloatUnit::Software,
    counter: InstructionCounter::SysTick,
    // The nRF51 model's SRAM is a property of the SoC, 16 KiB unless told otherwise.
    measurement_ram_property: Some("nrf51-soc.sram-size"),
    // And its flash, 256 KiB unless told otherwise.
    measurement_flash_property: Some("nrf51-soc.flash-size"),
};

/// QEMU's RISC-V `virt` machine with one RV32IMAC hart and 128 MiB of RAM at 0x8000_0000 (the
/// memory layout takes flash and RAM from it), booted without firmware (`-bios none`).
pub const RISCV_VIRT: Board = Board {
    name: "riscv-virt",
    target: "riscv32imac-unknown-none-elf",
    core: "RV32IMAC",
    float: FloatUnit::Software,
    counter: InstructionCounter::Minstret,
    measurement_ram_property: None,
    measurement_flash_property: None,
};

/// Every board, in the order of the memory matrix's columns.
pub const BOARDS: [Board; 3] = [MPS2_AN386, MICROBIT, RISCV_VIRT];

/// The board whose firmware is built for `target`, if there is one.
pub fn for_target(target: &str) -> Option<&'static Board> {
    BOARDS.iter().find(|b| b.target == target)
}
