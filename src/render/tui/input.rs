//! The terminal's input (keys, resizes), read on its own thread.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};

use crossterm::event::{self, Event};

use crate::render::driver::POLL;

/// Reads the terminal's input on its own thread and hands the events over a channel.
///
/// Not on the driver's thread because of a crossterm 0.29 bug (crossterm-rs/crossterm#793, fix
/// proposed in #1067): once the terminal is gone, `event::poll` spins forever inside, whatever
/// its timeout. On this thread the spin cannot keep the driver from seeing the SIGHUP, telling
/// the trainer to save and stop, and returning; the thread spins on until the process exits.
pub struct Input {
    events: Receiver<io::Result<Event>>,
    stop: Arc<AtomicBool>,
}

impl Input {
    /// Starts the thread.
    ///
    /// # Errors
    ///
    /// When the thread cannot be started.
    pub fn start() -> io::Result<Self> {
        let (sender, events) = std::sync::mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("dashboard-input".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    let event = match event::poll(POLL) {
                        Ok(false) => continue,
                        Ok(true) => event::read(),
                        Err(error) => Err(error),
                    };
                    let failed = event.is_err();
                    if sender.send(event).is_err() || failed {
                        break;
                    }
                }
            })?;
        Ok(Self { events, stop })
    }

    /// The next input event read, without waiting; `None` when there is none yet.
    ///
    /// # Errors
    ///
    /// When the terminal could not be read, or its input ended.
    pub fn next_event(&self) -> Option<io::Result<Event>> {
        match self.events.try_recv() {
            Ok(event) => Some(event),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(Err(io::Error::other("the terminal input ended")))
            }
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        // The thread notices within one poll; it is not joined (see above).
        self.stop.store(true, Ordering::Relaxed);
    }
}
