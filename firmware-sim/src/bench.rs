//! Timing loops of device work against a monotonic counter supplied by the platform.

/// A monotonic, up-counting tick source (SysTick on the device, a clock on the host).
pub trait TickCounter {
    /// Current tick count.
    fn ticks(&mut self) -> u64;
}
