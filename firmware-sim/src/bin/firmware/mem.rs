//! Memory figures from the linker's section symbols and the painted stack.
//!
//! Symbols come from cortex-m-rt 0.7's `link.x`: `__vector_table` (start of flash),
//! `__sidata` (flash address of the `.data` initialisers, right after `.rodata`),
//! `__sdata`/`__edata`, `__sbss`/`__ebss`, `_ram_start`, `_stack_end` (end of static RAM,
//! bottom of the stack) and `_stack_start` (top of RAM, initial SP).

use cortex_m_rt::STACK_PAINT_VALUE;

// Linker symbols: declaring them takes an `unsafe extern` block (the compiler cannot check
// foreign declarations). Only their addresses carry meaning; taking the address of an
// extern static is safe, and nothing reads through these declarations.
#[allow(unsafe_code)]
unsafe extern "C" {
    static __vector_table: u32;
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
            flash_start: (&raw const __vector_table).addr(),
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

    /// Flash image: vector table + `.text` + `.rodata` + the `.data` load image.
    pub fn flash_bytes(&self) -> usize {
        self.data_load - self.flash_start + self.data_bytes()
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

    /// The whole RAM region as linked (must equal memory.x's RAM LENGTH).
    pub fn ram_bytes(&self) -> usize {
        self.stack.1 - self.ram_start
    }
}

/// Deepest stack use so far, in bytes.
///
/// cortex-m-rt's `paint-stack` fills `_stack_end.._stack_start` with
/// [`STACK_PAINT_VALUE`] at reset. The stack grows down from `_stack_start`, so scanning
/// up from `_stack_end`, the first word that is no longer paint is the deepest point the
/// stack has reached.
pub fn stack_high_water() -> usize {
    let layout = Layout::read();
    let (bottom, top) = layout.stack;
    let mut addr = bottom;
    while addr < top && read_word(addr) == STACK_PAINT_VALUE {
        addr += size_of::<u32>();
    }
    top - addr
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
