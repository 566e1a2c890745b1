//! Frames on their way to the terminal, written by a thread of their own, so that a terminal
//! that stops reading (a stalled SSH link) blocks neither the dashboard nor the training, and
//! never makes memory grow.
//!
//! The dashboard renders a frame into a buffer and hands it over ([`FrameWriter::submit`]); the
//! writer thread writes one frame at a time. At most one frame waits behind the one being
//! written, and while one waits [`FrameWriter::ready`] is false: the dashboard then draws no
//! frame (its state goes on taking events and stays marked for a redraw), so frames that the
//! terminal cannot take are never made. Frames are diffs against the frame before, and none is
//! dropped or cut, so the screen is right when the link recovers, and the next frame drawn
//! brings it to the latest state. What is held is at most the frame being written and one
//! waiting ([`OutputStats::held`]).

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The writer thread's side of things, shared.
#[derive(Debug, Default)]
struct State {
    /// The frame waiting behind the one being written.
    waiting: Option<Vec<u8>>,
    /// Bytes of the frame being written (0: none).
    writing: usize,
    /// No more frames: the thread writes what waits and ends.
    closed: bool,
    /// The thread has ended.
    done: bool,
    /// The first write error (its kind and text); later frames are dropped.
    error: Option<(io::ErrorKind, String)>,
    /// The most bytes held at once.
    peak: usize,
    /// Bytes and frames written.
    written: u64,
    frames: u64,
    /// An emptied frame buffer, for the next frame.
    spare: Option<Vec<u8>>,
}

impl State {
    fn held(&self) -> usize {
        self.writing + self.waiting.as_ref().map_or(0, Vec::len)
    }
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Figures of a [`FrameWriter`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputStats {
    /// Bytes not yet written: the frame being written and the one waiting.
    pub held: usize,
    /// The most bytes held at once so far.
    pub peak: usize,
    /// Bytes written.
    pub written: u64,
    /// Frames written.
    pub frames: u64,
}

/// Writes frames to the terminal on a thread of its own, holding at most two.
#[derive(Debug)]
pub struct FrameWriter {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl FrameWriter {
    /// Starts the writer thread over `out`.
    ///
    /// # Errors
    ///
    /// When the thread cannot be started.
    pub fn spawn<W: Write + Send + 'static>(out: W) -> io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let theirs = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("terminal output".into())
            .spawn(move || write_frames(&theirs, out))?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Whether a frame can be handed over now: none is waiting.
    pub fn ready(&self) -> bool {
        let state = self.shared.lock();
        state.waiting.is_none() || state.error.is_some()
    }

    /// Hands a frame over. Returns `false`, dropping it, when one is waiting already (the
    /// caller should have asked [`FrameWriter::ready`]); the screen then misses its changes and
    /// the next frame must be drawn whole.
    pub fn submit(&self, frame: Vec<u8>) -> bool {
        let mut state = self.shared.lock();
        if state.error.is_some() || state.closed {
            return true;
        }
        if state.waiting.is_some() {
            return false;
        }
        state.waiting = Some(frame);
        state.peak = state.peak.max(state.held());
        drop(state);
        self.shared.changed.notify_all();
        true
    }

    /// An empty buffer for the next frame (one written already, when there is one).
    pub fn buffer(&self) -> Vec<u8> {
        self.shared.lock().spare.take().unwrap_or_default()
    }

    /// The first write error, after which nothing more is written.
    pub fn error(&self) -> Option<io::Error> {
        let state = self.shared.lock();
        let (kind, text) = state.error.as_ref()?;
        Some(io::Error::new(*kind, text.clone()))
    }

    /// The writer's figures now.
    pub fn stats(&self) -> OutputStats {
        let state = self.shared.lock();
        OutputStats {
            held: state.held(),
            peak: state.peak,
            written: state.written,
            frames: state.frames,
        }
    }

    /// Writes `tail` after everything handed over and ends the thread, waiting at most
    /// `within`. Returns whether all was written (otherwise the terminal is not reading, and the
    /// thread is left to end with the process).
    pub fn finish(mut self, tail: &[u8], within: Duration) -> bool {
        let deadline = Instant::now() + within;
        let mut state = self.shared.lock();
        if !tail.is_empty() && state.error.is_none() {
            state
                .waiting
                .get_or_insert_with(Vec::new)
                .extend_from_slice(tail);
        }
        state.closed = true;
        self.shared.changed.notify_all();
        while !state.done {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let written = state.error.is_none();
        drop(state);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        written
    }
}

impl Drop for FrameWriter {
    /// Ends the thread once it has written what it holds, without waiting for it.
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
    }
}

/// The writer thread: writes each frame whole, then takes the next.
fn write_frames(shared: &Shared, mut out: impl Write) {
    let mut state = shared.lock();
    loop {
        let frame = match state.waiting.take() {
            Some(frame) => frame,
            None if state.closed => break,
            None => {
                state = shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
        };
        state.writing = frame.len();
        let failed = state.error.is_some();
        drop(state);
        // A frame waits no more: the dashboard may draw the next.
        shared.changed.notify_all();
        let result = if failed {
            Ok(())
        } else {
            out.write_all(&frame).and_then(|()| out.flush())
        };
        state = shared.lock();
        state.writing = 0;
        match result {
            Ok(()) if !failed => {
                state.written += frame.len() as u64;
                state.frames += 1;
            }
            Ok(()) => {}
            Err(error) => state.error = Some((error.kind(), error.to_string())),
        }
        let mut frame = frame;
        frame.clear();
        state.spare = Some(frame);
        shared.changed.notify_all();
    }
    state.done = true;
    drop(state);
    shared.changed.notify_all();
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use ratatui::Viewport;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    use super::super::dashboard::Dashboard;
    use super::super::options::DashboardOptions;
    use super::super::replay::Screen;
    use super::super::synthetic::{Kind, SyntheticRun};
    use super::super::theme::Theme;
    use super::super::view;
    use super::*;
    use crate::render::driver::POLL;
    use tinyvae_host::train::events::TrainingEvent;

    /// A terminal that stops reading: `write` blocks while the gate is shut. What it takes is
    /// kept.
    #[derive(Clone, Default)]
    struct Gate(Arc<(Mutex<GateState>, Condvar)>);

    /// Whether the gate is open, and what went through.
    type GateState = (bool, Vec<u8>);

    impl Gate {
        fn set_open(&self, open: bool) {
            let (lock, changed) = &*self.0;
            lock.lock().unwrap_or_else(PoisonError::into_inner).0 = open;
            changed.notify_all();
        }

        fn taken(&self) -> Vec<u8> {
            let (lock, _) = &*self.0;
            lock.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .1
                .clone()
        }
    }

    impl Write for Gate {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let (lock, changed) = &*self.0;
            let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
            while !state.0 {
                state = changed.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
            // A slow link: a little at a time.
            let n = buf.len().min(4096);
            state.1.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn wait_until(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The screen the frames build, as text.
    fn expected_text(dashboard: &Dashboard<Vec<u8>>, theme: &Theme, area: Rect) -> Vec<String> {
        let mut buf = Buffer::empty(area);
        view::render(dashboard.state(), theme, area, &mut buf);
        (0..area.height)
            .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol()).collect())
            .collect()
    }

    /// The dashboard's loop on a simulated clock, as `bench` turns it, drawing only when the
    /// writer is ready.
    struct Simulation {
        dashboard: Dashboard<Vec<u8>>,
        output: FrameWriter,
        run: SyntheticRun,
        at: Duration,
        events: u64,
        made: u64,
        largest_frame: usize,
    }

    impl Simulation {
        fn turn(&mut self, t0: Instant) {
            self.at += POLL;
            let now = t0 + self.at;
            let steps = self.at.as_millis() as u64;
            for event in self.run.by_ref() {
                self.events += 1;
                let last = matches!(&event, TrainingEvent::Step(s) if s.step >= steps);
                self.dashboard.apply(event, now);
                if last {
                    break;
                }
            }
            if !self.output.ready() {
                return;
            }
            match self.dashboard.draw_if_due(now) {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => panic!("{e}"),
            }
            let frame = std::mem::replace(self.dashboard.writer_mut(), self.output.buffer());
            self.largest_frame = self.largest_frame.max(frame.len());
            self.made += 1;
            assert!(self.output.submit(frame), "a frame was waiting");
        }
    }

    fn turns(seconds: u32) -> u32 {
        seconds * 1000 / POLL.as_millis() as u32
    }

    /// The worst case: every step reported at 1000 steps/s and a snapshot each second, at
    /// 120×40, for a minute of a stalled link; then the link comes back.
    #[test]
    fn a_stalled_terminal_holds_at_most_two_frames_and_gets_the_last_one_whole() {
        let gate = Gate::default();
        let area = Rect::new(0, 0, 120, 40);
        let options = DashboardOptions::default();
        let mut run = SyntheticRun::new(Kind::VaeMnist2d, 7);
        run.set_epochs(1000);
        run.report_every = 1;
        run.snapshot_every = 1000;
        let mut sim = match (
            FrameWriter::spawn(gate.clone()),
            Dashboard::new(Vec::new(), &options, Viewport::Fixed(area)),
        ) {
            (Ok(output), Ok(dashboard)) => Simulation {
                dashboard,
                output,
                run,
                at: Duration::ZERO,
                events: 0,
                made: 0,
                largest_frame: 0,
            },
            (Err(e), _) | (_, Err(e)) => panic!("{e}"),
        };
        let t0 = Instant::now();

        // A healthy link for 5 s: the writer keeps up.
        gate.set_open(true);
        for _ in 0..turns(5) {
            sim.turn(t0);
            wait_until("the healthy link", || sim.output.stats().held == 0);
        }
        let before_stall = sim.output.stats();
        assert!(before_stall.frames >= 45, "{before_stall:?}");

        // A minute of a link that takes nothing.
        gate.set_open(false);
        let (made_before, events_before) = (sim.made, sim.events);
        let mut peak = 0;
        for _ in 0..turns(60) {
            sim.turn(t0);
            peak = peak.max(sim.output.stats().held);
        }
        let stalled = sim.output.stats();
        let made = sim.made - made_before;
        // The training went on: every event of the minute was taken in.
        assert!(sim.events - events_before > 60_000, "{}", sim.events);
        // The frame being written and at most one waiting were made, and nothing more held.
        assert!(made <= 2, "{made} frames made");
        assert!(
            peak <= 2 * sim.largest_frame,
            "{peak} > 2 × {}",
            sim.largest_frame
        );
        assert!(peak < BOUND, "{peak} bytes held");
        println!(
            "a minute's stall at 120x40: {peak} bytes held at most, {made} frames made \
             (the largest frame: {} bytes; {} bytes in {} frames over the 5 s before)",
            sim.largest_frame, before_stall.written, before_stall.frames
        );

        // The link comes back: what was held is written, then a frame of the latest state.
        gate.set_open(true);
        wait_until("the backlog", || sim.output.stats().held == 0);
        sim.turn(t0);
        wait_until("the last frame", || sim.output.stats().held == 0);
        assert!(sim.output.stats().frames > stalled.frames);
        let mut screen = Screen::new(area.width, area.height);
        screen.feed(&gate.taken());
        assert_eq!(
            screen.lines(),
            expected_text(&sim.dashboard, &Theme::new(&options), area),
            "the screen after the stall is the last frame"
        );
        assert!(sim.output.finish(b"", Duration::from_secs(5)));
    }

    /// What a stall may hold at 120×40: two frames, even two whole ones (about 25 kB each).
    const BOUND: usize = 64 * 1024;

    #[test]
    fn finish_writes_the_tail_or_gives_up() {
        let gate = Gate::default();
        gate.set_open(true);
        let output = match FrameWriter::spawn(gate.clone()) {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        assert!(output.submit(b"frame".to_vec()));
        assert!(output.finish(b" tail", Duration::from_secs(5)));
        assert_eq!(gate.taken(), b"frame tail");

        let stalled = Gate::default();
        let output = match FrameWriter::spawn(stalled.clone()) {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        assert!(output.submit(b"frame".to_vec()));
        wait_until("the frame taken", || output.ready());
        assert!(output.submit(b"next".to_vec()));
        assert!(!output.ready());
        assert!(!output.submit(b"one more".to_vec()), "one waits already");
        assert_eq!(output.stats().held, 9);
        let started = Instant::now();
        assert!(!output.finish(b"tail", Duration::from_millis(100)));
        assert!(started.elapsed() < Duration::from_secs(2));
        // The thread is still blocked; opening the gate lets it end.
        stalled.set_open(true);
        wait_until("the rest", || stalled.taken() == b"framenexttail");
    }

    #[test]
    fn a_write_error_is_reported_and_later_frames_are_dropped() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("hang-up"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let output = match FrameWriter::spawn(Broken) {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        assert!(output.submit(b"frame".to_vec()));
        wait_until("the error", || output.error().is_some());
        assert!(output.ready());
        assert!(output.submit(b"more".to_vec()));
        assert_eq!(output.stats().written, 0);
        assert!(!output.finish(b"tail", Duration::from_secs(5)));
    }
}
