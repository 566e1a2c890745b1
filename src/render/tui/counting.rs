//! A writer that counts the bytes going through it, to measure what the dashboard sends to the
//! terminal (wrap the writer of a `CrosstermBackend`; read the count from a [`ByteCounter`]).

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A shared count of bytes written.
#[derive(Clone, Debug, Default)]
pub struct ByteCounter(Arc<AtomicU64>);

impl ByteCounter {
    /// Bytes written so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Counts the bytes written to `inner`.
#[derive(Debug)]
pub struct CountingWriter<W> {
    inner: W,
    count: ByteCounter,
}

impl<W: Write> CountingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            count: ByteCounter::default(),
        }
    }

    /// A handle on the count, usable after the writer was moved into a backend.
    pub fn counter(&self) -> ByteCounter {
        self.count.clone()
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count.0.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_goes_through() -> io::Result<()> {
        let mut writer = CountingWriter::new(Vec::new());
        let counter = writer.counter();
        writer.write_all(b"hello")?;
        write!(writer, " {}", 42)?;
        assert_eq!(counter.get(), 8);
        assert_eq!(writer.inner, b"hello 42");
        Ok(())
    }
}
