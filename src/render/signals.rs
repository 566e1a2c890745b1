//! What signals mean to a training session, whichever renderer shows it.
//!
//! SIGINT, SIGTERM and SIGHUP each ask the trainer to save a checkpoint and stop; the process
//! then ends with [`INTERRUPTED`](crate::commands::exit::INTERRUPTED) (130). While the
//! session runs ([`Signals`] is alive), a second SIGINT or SIGTERM ends the process at once,
//! with status 128 + the signal's number; once it is over, so does the first. SIGHUP does not:
//! a hang-up often comes twice (from the kernel and from the shell) and after the session the
//! trainer may still be saving, so later ones are ignored.
//!
//! In the dashboard's raw mode Ctrl-C is a key, not a signal: it saves and stops like `q`, and
//! the session ends as [`Signal::Interrupt`] would end it (exit 130).

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::SigId;
use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGTERM};

/// A signal that ends a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C in a shell, or `kill -INT`.
    Interrupt,
    /// SIGTERM: `kill`, a service manager stopping the run.
    Terminate,
    /// SIGHUP: the terminal went away (an SSH link dropped).
    HangUp,
}

impl Signal {
    /// The signal's number (`SIGINT`, `SIGTERM`, `SIGHUP`).
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => SIGINT,
            Signal::Terminate => SIGTERM,
            Signal::HangUp => SIGHUP,
        }
    }
}

/// The handlers of the session's signals; dropping it ends the session's policy (see the
/// [module documentation](self)).
pub struct Signals {
    term: Arc<AtomicBool>,
    hup: Arc<AtomicBool>,
    int: Arc<AtomicBool>,
    /// Set when the session ends: from then on SIGTERM and SIGINT end the process.
    exit_now: Arc<AtomicBool>,
    _ids: Vec<SigId>,
}

impl Signals {
    /// Installs the handlers.
    ///
    /// # Errors
    ///
    /// When a handler cannot be installed.
    pub fn register() -> io::Result<Self> {
        use signal_hook::flag::{register, register_conditional_shutdown};
        let term = Arc::new(AtomicBool::new(false));
        let hup = Arc::new(AtomicBool::new(false));
        let int = Arc::new(AtomicBool::new(false));
        let exit_now = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::with_capacity(8);
        for (signal, flag) in [(SIGTERM, &term), (SIGINT, &int)] {
            let status = 128 + signal;
            // Once the session is over these end the process as usual; during it, a second
            // one does.
            ids.push(register_conditional_shutdown(
                signal,
                status,
                Arc::clone(&exit_now),
            )?);
            ids.push(register_conditional_shutdown(
                signal,
                status,
                Arc::clone(flag),
            )?);
            ids.push(register(signal, Arc::clone(flag))?);
        }
        ids.push(register(SIGHUP, Arc::clone(&hup))?);
        Ok(Self {
            term,
            hup,
            int,
            exit_now,
            _ids: ids,
        })
    }

    /// The signal received, if one was: a hang-up first (the terminal is gone), then SIGTERM,
    /// then SIGINT.
    pub fn received(&self) -> Option<Signal> {
        if self.hup.load(Ordering::Relaxed) {
            Some(Signal::HangUp)
        } else if self.term.load(Ordering::Relaxed) {
            Some(Signal::Terminate)
        } else if self.int.load(Ordering::Relaxed) {
            Some(Signal::Interrupt)
        } else {
            None
        }
    }
}

#[cfg(test)]
impl Signals {
    /// Flags with no handler behind them, for tests.
    pub(crate) fn unregistered() -> Self {
        Self {
            term: Arc::default(),
            hup: Arc::default(),
            int: Arc::default(),
            exit_now: Arc::default(),
            _ids: Vec::new(),
        }
    }

    /// Acts as if `signal` had arrived.
    pub(crate) fn raise(&self, signal: Signal) {
        let flag = match signal {
            Signal::Interrupt => &self.int,
            Signal::Terminate => &self.term,
            Signal::HangUp => &self.hup,
        };
        flag.store(true, Ordering::Relaxed);
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        // The session is over: let SIGTERM and SIGINT end the process as they normally would.
        self.exit_now.store(true, Ordering::Relaxed);
    }
}
