//! Memory figures from the linker's section symbols and the painted stack.
//!
//! cortex-m-rt 0.7's and riscv-rt 0.18's `link.x` name the sections alike: `__stext`/`__etext`
//! (code), `__srodata`/`__erodata` (constants, the weights among them), `__sidata` (flash
//! address of the `.data` initialisers, right after `.rodata`), `__sdata`/`__edata`,
//! `__sbss`/`__ebss`, and `_stack_start` (top of RAM, initial SP). cortex-m-rt also defines
//! `_ram_start` and `_stack_end` (end of static RAM, bottom of the stack), which the RISC-V
//! memory layout defines too, and every board's layout defines `_flash_start`.

use crate::platform::{self, STACK_PAINT_VALUE};

// Linker symbols: declaring them takes an `unsafe extern` block (the compiler cannot check
// foreign declarations). Only their addresses carry meaning; taking the address of an
// extern static is safe, and nothing reads through these declarations.
#[allow(unsafe_code)]
unsafe extern "C" {
    static _flash_start: u32;
    static __stext: u32;
    static __etext: u32;
    static __srodata: u32;
    static __erodata: u32;
    static __sidata: u32;
    static __sdata: u32;
    static __edata: u32;
    static __sbss: u32;
    static __ebss: u32;
    static _ram_start: u32;
    static _stack_end: u32;
    static _stack_start: u32;
}

/// Section boundaries of the running image.
pub struct Layout {
    flash_start: usize,
    text: (usize, usize),
    rodata: (usize, usize),
    data_load: usize,
    data: (usize, usize),
    bss: (usize, usize),
    ram_start: usize,
    stack: (usize, usize),
}

impl Layout {
    /// Reads the boundaries from the linker symbols.
    pub fn read() -> Self {
        Self {
            flash_start: (&raw const _flash_start).addr(),
            text: ((&raw const __stext).addr(), (&raw const __etext).addr()),
            rodata: ((&raw const __srodata).addr(), (&raw const __erodata).addr()),
            data_load: (&raw const __sidata).addr(),
            data: ((&raw const __sdata).addr(), (&raw const __edata).addr()),
            bss: ((&raw const __sbss).addr(), (&raw const __ebss).addr()),
            ram_start: (&raw const _ram_start).addr(),
            stack: (
                (&raw const _stack_end).addr(),
                (&raw const _stack_start).addr(),
            ),
        }
    }

    /// Flash image: from its start (the vector table on Arm) through `.text` and `.rodata` to
    /// the end of the `.data` load image.
    pub fn flash_bytes(&self) -> usize {
        self.data_load - self.flash_start + self.data_bytes()
    }

    /// Whether `addr` lies in the flash image.
    pub fn in_flash(&self, addr: usize) -> bool {
        (self.flash_start..self.flash_start + self.flash_bytes()).contains(&addr)
    }

    /// Code (`.text`).
    pub fn text_bytes(&self) -> usize {
        self.text.1 - self.text.0
    }

    /// Constants (`.rodata`): the weight blobs, the test digits, the host's figures, strings.
    pub fn rodata_bytes(&self) -> usize {
        self.rodata.1 - self.rodata.0
    }

    /// Initialised statics (`.data`), in RAM (and copied from flash at reset).
    pub fn data_bytes(&self) -> usize {
        self.data.1 - self.data.0
    }

    /// Zero-initialised statics (`.bss`).
    pub fn bss_bytes(&self) -> usize {
        self.bss.1 - self.bss.0
    }

    /// All static RAM: `.data` + `.bss` + `.uninit` (everything below the stack).
    pub fn static_ram_bytes(&self) -> usize {
        self.stack.0 - self.ram_start
    }

    /// RAM left for the stack.
    pub fn stack_region_bytes(&self) -> usize {
        self.stack.1 - self.stack.0
    }

    /// The whole RAM region as linked (must equal the memory layout's RAM LENGTH).
    pub fn ram_bytes(&self) -> usize {
        self.stack.1 - self.ram_start
    }
}

/// Deepest stack use so far, in bytes.
///
/// The stack region `_stack_end.._stack_start` is painted with [`STACK_PAINT_VALUE`] before
/// `main` (by cortex-m-rt's `paint-stack` at reset, on RISC-V by the entry point). The stack
/// grows down from `_stack_start`, so scanning up from `_stack_end`, the first word that is no
/// longer paint is the deepest point the stack has reached.
pub fn stack_high_water() -> usize {
    let layout = Layout::read();
    let (bottom, top) = layout.stack;
    let mut addr = bottom;
    while addr < top && read_word(addr) == STACK_PAINT_VALUE {
        addr += size_of::<u32>();
    }
    top - addr
}

/// Bytes between the current stack pointer and the bottom of the stack region: what a call
/// made from here can still use.
pub fn stack_available() -> usize {
    platform::stack_pointer().saturating_sub(Layout::read().stack.0)
}

/// Bytes below the stack pointer read by [`repaint_stack`] that it leaves alone: the compiler
/// may read SP before pushing the function's own registers (up to 9 words), which must not be
/// painted over.
const REPAINT_MARGIN: usize = 128;

/// Paints the free part of the stack again (from `_stack_end` up to [`REPAINT_MARGIN`] below
/// the stack pointer), so that [`stack_high_water`] afterwards measures only what runs from
/// now on. Never inlined, so the margin only has to cover its own frame.
#[inline(never)]
pub fn repaint_stack() {
    let bottom = Layout::read().stack.0;
    let top = platform::stack_pointer().saturating_sub(REPAINT_MARGIN);
    let mut addr = bottom;
    while addr + size_of::<u32>() <= top {
        write_word(addr, STACK_PAINT_VALUE);
        addr += size_of::<u32>();
    }
}

/// Stack high-water marks of the modes and of everything between them.
#[derive(Default)]
pub struct StackTracker {
    /// Deepest stack outside the measured modes (start-up, validation, printing).
    pub outside: usize,
    /// Deepest stack overall.
    pub peak: usize,
}

impl StackTracker {
    /// Runs `f` on a freshly painted stack; returns its result and the stack high-water mark
    /// reached while it ran (from the top of RAM, so including the frames of its callers).
    pub fn measure<R>(&mut self, f: impl FnOnce() -> R) -> (R, usize) {
        self.note_outside();
        repaint_stack();
        let result = f();
        let depth = stack_high_water();
        self.peak = self.peak.max(depth);
        // Paint over the mode's marks, so the next scan sees only what runs after it.
        repaint_stack();
        (result, depth)
    }

    /// Folds in the stack used since the last measurement (printing, mostly).
    pub fn note_outside(&mut self) {
        let depth = stack_high_water();
        self.outside = self.outside.max(depth);
        self.peak = self.peak.max(depth);
    }
}

/// Writes `value` to the RAM word at `addr`.
// Painting the stack means writing memory that no Rust object owns: inherently unsafe, and
// needed only because the hardware gives no other way to measure stack depth. Callers pass
// 4-byte-aligned addresses in `_stack_end..SP − REPAINT_MARGIN`, free stack below every live
// frame (an
// interrupt arriving meanwhile pushes its frame below SP and pops it before we continue).
#[allow(unsafe_code)]
fn write_word(addr: usize, value: u32) {
    // SAFETY: see above: aligned, in-bounds, unused RAM of this program's stack region.
    unsafe { core::ptr::write_volatile(addr as *mut u32, value) }
}

/// Reads the RAM word at `addr`.
// Reading raw memory is inherently unsafe; callers pass only 4-byte-aligned addresses
// inside the stack region `_stack_end.._stack_start` (valid, mapped RAM). Volatile, since
// the compiler cannot know this memory was written by the stack.
#[allow(unsafe_code)]
fn read_word(addr: usize) -> u32 {
    // SAFETY: see above: aligned, in-bounds RAM owned by this program.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}
