//! The dashboard's keys, in one table: [`BINDINGS`] is what the key handler
//! ([`DashboardState::handle_key`]) looks keys up in and what the help overlay
//! ([`super::help`]) lists, so the two cannot disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tinyvae_host::train::events::Command;

use super::messages::{Level, describe};
use super::state::DashboardState;

/// Factor applied to the learning rate by `+`.
pub const LEARNING_RATE_UP: f32 = 2.0;
/// Factor applied to the learning rate by `-`.
pub const LEARNING_RATE_DOWN: f32 = 0.5;
/// Factor applied to β by `b`.
pub const BETA_DOWN: f32 = 0.8;
/// Factor applied to β by `B`.
pub const BETA_UP: f32 = 1.25;

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// [`Command::TogglePause`].
    TogglePause,
    /// [`Command::SaveCheckpoint`].
    SaveCheckpoint,
    /// [`Command::ExportWeights`].
    ExportWeights,
    /// [`Command::ScaleLearningRate`] by [`LEARNING_RATE_UP`].
    LearningRateUp,
    /// [`Command::ScaleLearningRate`] by [`LEARNING_RATE_DOWN`].
    LearningRateDown,
    /// [`Command::ScaleBeta`] by [`BETA_DOWN`].
    BetaDown,
    /// [`Command::ScaleBeta`] by [`BETA_UP`].
    BetaUp,
    /// [`Command::MoveDigits`] forward by the number of digits shown.
    NextDigits,
    /// [`Command::MoveDigits`] back by the number of digits shown.
    PreviousDigits,
    /// [`Command::Resample`].
    Resample,
    /// The next score in the detector view's histogram.
    NextScore,
    /// The next view.
    NextView,
    /// The previous view.
    PreviousView,
    /// The help overlay on or off.
    ToggleHelp,
    /// The help overlay off.
    CloseHelp,
    /// [`Command::Stop`] `{ save: true }`, then the dashboard quits.
    Quit,
    /// Ctrl-C: as [`Action::Quit`], and the process ends as interrupted (exit 130), as Ctrl-C
    /// in a shell does.
    Interrupt,
}

/// A key of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Whether Ctrl is held with it.
    pub control: bool,
    /// Whether the help lists it (not an alias such as `=` for `+`).
    pub listed: bool,
}

impl Key {
    const fn new(code: KeyCode) -> Self {
        Self {
            code,
            control: false,
            listed: true,
        }
    }

    const fn char(c: char) -> Self {
        Self::new(KeyCode::Char(c))
    }

    const fn control(c: char) -> Self {
        Self {
            control: true,
            ..Self::char(c)
        }
    }

    const fn alias(self) -> Self {
        Self {
            listed: false,
            ..self
        }
    }

    /// Whether `event` is this key (Shift and Alt are not looked at: `B` comes with Shift).
    pub fn matches(&self, event: &KeyEvent) -> bool {
        self.code == event.code && self.control == event.modifiers.contains(KeyModifiers::CONTROL)
    }

    /// How the help writes it: `space`, `tab`, `shift-tab`, `Esc`, `Ctrl-C` or the character.
    pub fn name(&self) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Tab => "tab".to_string(),
            KeyCode::BackTab => "shift-tab".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            other => other.to_string(),
        };
        if self.control {
            format!("Ctrl-{}", name.to_uppercase())
        } else {
            name
        }
    }
}

/// A line of the help and the keys it is about.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Binding {
    /// The keys, each with what it does.
    pub keys: &'static [(Key, Action)],
    /// What they do, as the help says it.
    pub description: &'static str,
    /// Only for variational models (the help adds `(VAE)`; other models get a warning).
    pub variational: bool,
}

impl Binding {
    /// The keys as the help lists them: `+ / -`.
    pub fn keys_text(&self) -> String {
        let names: Vec<String> = self
            .keys
            .iter()
            .filter(|(key, _)| key.listed)
            .map(|(key, _)| key.name())
            .collect();
        names.join(" / ")
    }

    /// What they do as the help says it: variational-only keys say so.
    pub fn description_text(&self) -> String {
        if self.variational {
            format!("{} (VAE)", self.description)
        } else {
            self.description.to_string()
        }
    }
}

const fn line(keys: &'static [(Key, Action)], description: &'static str) -> Binding {
    Binding {
        keys,
        description,
        variational: false,
    }
}

/// Every key of the dashboard, in the order the help lists them.
pub const BINDINGS: &[Binding] = &[
    line(
        &[(Key::char(' '), Action::TogglePause)],
        "pause / resume training",
    ),
    line(
        &[(Key::char('s'), Action::SaveCheckpoint)],
        "save a checkpoint now",
    ),
    line(
        &[(Key::char('e'), Action::ExportWeights)],
        "export the device weights now",
    ),
    line(
        &[
            (Key::char('+'), Action::LearningRateUp),
            (Key::char('=').alias(), Action::LearningRateUp),
            (Key::char('-'), Action::LearningRateDown),
            (Key::char('_').alias(), Action::LearningRateDown),
        ],
        "learning rate x2 / x0.5",
    ),
    Binding {
        keys: &[
            (Key::char('b'), Action::BetaDown),
            (Key::char('B'), Action::BetaUp),
        ],
        description: "beta x0.8 / x1.25",
        variational: true,
    },
    line(
        &[
            (Key::char('n'), Action::NextDigits),
            (Key::char('p'), Action::PreviousDigits),
        ],
        "next / previous test digits",
    ),
    Binding {
        keys: &[(Key::char('r'), Action::Resample)],
        description: "new samples from the prior",
        variational: true,
    },
    line(
        &[(Key::char('a'), Action::NextScore)],
        "next anomaly score (detector view)",
    ),
    line(&[(Key::new(KeyCode::Tab), Action::NextView)], "next view"),
    line(
        &[(Key::new(KeyCode::BackTab), Action::PreviousView)],
        "previous view",
    ),
    line(&[(Key::char('?'), Action::ToggleHelp)], "this help"),
    line(
        &[(Key::new(KeyCode::Esc), Action::CloseHelp)],
        "close the help",
    ),
    line(
        &[
            (Key::char('q'), Action::Quit),
            (Key::char('Q').alias(), Action::Quit),
        ],
        "save a checkpoint, stop, quit",
    ),
    line(
        &[
            (Key::control('c'), Action::Interrupt),
            (Key::control('C').alias(), Action::Interrupt),
        ],
        "save a checkpoint, stop, exit 130",
    ),
];

/// The line of the table `event` is on and what it does there.
pub fn find(event: &KeyEvent) -> Option<(&'static Binding, Action)> {
    BINDINGS.iter().find_map(|binding| {
        binding
            .keys
            .iter()
            .find(|(key, _)| key.matches(event))
            .map(|&(_, action)| (binding, action))
    })
}

impl DashboardState {
    /// Maps a key press to the command to send, if any, and updates the view state (view,
    /// help, quitting). The keys and what they do are [`BINDINGS`]; a variational key on
    /// another model only warns, and key releases are ignored.
    pub fn handle_key(&mut self, key: KeyEvent) -> Option<Command> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let (binding, action) = find(&key)?;
        if binding.variational && !self.info().is_some_and(|i| i.is_variational) {
            let what = if action == Action::Resample {
                "samples"
            } else {
                "beta"
            };
            self.push_message(
                Level::Warning,
                format!("{what}: only for variational models"),
            );
            return None;
        }
        let command = match action {
            Action::TogglePause => Some(Command::TogglePause),
            Action::SaveCheckpoint => Some(Command::SaveCheckpoint),
            Action::ExportWeights => Some(Command::ExportWeights),
            Action::LearningRateUp => Some(Command::ScaleLearningRate(LEARNING_RATE_UP)),
            Action::LearningRateDown => Some(Command::ScaleLearningRate(LEARNING_RATE_DOWN)),
            Action::BetaDown => Some(Command::ScaleBeta(BETA_DOWN)),
            Action::BetaUp => Some(Command::ScaleBeta(BETA_UP)),
            Action::NextDigits => Some(Command::MoveDigits(self.digits_step())),
            Action::PreviousDigits => Some(Command::MoveDigits(-self.digits_step())),
            Action::Resample => Some(Command::Resample),
            Action::NextScore if self.is_detector() => {
                self.select_next_score();
                None
            }
            Action::NextScore => {
                self.push_message(
                    Level::Warning,
                    "anomaly scores: only for a run with --normal-class".to_string(),
                );
                return None;
            }
            Action::NextView => {
                self.set_mode(self.mode().next(self.is_detector()));
                None
            }
            Action::PreviousView => {
                self.set_mode(self.mode().previous(self.is_detector()));
                None
            }
            Action::ToggleHelp => {
                self.set_help(!self.help_visible());
                None
            }
            Action::CloseHelp => {
                if !self.help_visible() {
                    return None;
                }
                self.set_help(false);
                None
            }
            Action::Quit | Action::Interrupt => {
                self.request_quit();
                Some(Command::Stop { save: true })
            }
        };
        self.mark_changed();
        if let Some(command) = command
            && !matches!(command, Command::Stop { .. })
        {
            self.push_message(Level::Info, format!("asked: {}", describe(command)));
        }
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tui::mode::Mode;
    use crate::render::tui::synthetic;
    use crate::render::tui::test_frames::started;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_map_to_commands() {
        let mut state = started(true);
        state.set_digits_shown(6);
        let cases = [
            (KeyCode::Char(' '), Some(Command::TogglePause)),
            (KeyCode::Char('s'), Some(Command::SaveCheckpoint)),
            (KeyCode::Char('e'), Some(Command::ExportWeights)),
            (KeyCode::Char('+'), Some(Command::ScaleLearningRate(2.0))),
            (KeyCode::Char('='), Some(Command::ScaleLearningRate(2.0))),
            (KeyCode::Char('-'), Some(Command::ScaleLearningRate(0.5))),
            (KeyCode::Char('b'), Some(Command::ScaleBeta(0.8))),
            (KeyCode::Char('B'), Some(Command::ScaleBeta(1.25))),
            (KeyCode::Char('n'), Some(Command::MoveDigits(6))),
            (KeyCode::Char('p'), Some(Command::MoveDigits(-6))),
            (KeyCode::Char('r'), Some(Command::Resample)),
            (KeyCode::Char('x'), None),
            (KeyCode::F(5), None),
        ];
        for (code, expected) in cases {
            assert_eq!(state.handle_key(key(code)), expected, "{code:?}");
        }
        assert!(!state.quit_requested());
    }

    #[test]
    fn shifted_b_arrives_with_shift_and_still_maps() {
        let mut state = started(true);
        let shifted = KeyEvent::new(KeyCode::Char('B'), KeyModifiers::SHIFT);
        assert_eq!(state.handle_key(shifted), Some(Command::ScaleBeta(BETA_UP)));
    }

    #[test]
    fn quit_keys_send_stop_with_save() {
        for event in [
            key(KeyCode::Char('q')),
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        ] {
            let mut state = started(true);
            assert_eq!(state.handle_key(event), Some(Command::Stop { save: true }));
            assert!(state.quit_requested());
        }
        // Other control chords do nothing (Ctrl-S is not `s`).
        let mut state = started(true);
        let chord = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(state.handle_key(chord), None);
    }

    #[test]
    fn key_releases_are_ignored() {
        let mut state = started(true);
        let mut release = key(KeyCode::Char('q'));
        release.kind = KeyEventKind::Release;
        assert_eq!(state.handle_key(release), None);
        assert!(!state.quit_requested());
    }

    #[test]
    fn variational_keys_do_nothing_for_plain_autoencoders() {
        let mut state = started(false);
        for c in ['b', 'B', 'r'] {
            assert_eq!(state.handle_key(key(KeyCode::Char(c))), None);
        }
        assert_eq!(state.last_message().map(|m| m.level), Some(Level::Warning));
    }

    #[test]
    fn digits_move_by_snapshot_size_before_the_first_draw() {
        let mut state = started(true);
        assert_eq!(
            state.handle_key(key(KeyCode::Char('n'))),
            Some(Command::MoveDigits(1))
        );
        let mut run = synthetic::SyntheticRun::new(synthetic::Kind::VaeMnist2d, 1);
        state.apply(run.snapshot_event());
        let shown = state.snapshot().map(|s| s.originals.len()).unwrap_or(0);
        assert!(shown > 1);
        assert_eq!(
            state.handle_key(key(KeyCode::Char('p'))),
            Some(Command::MoveDigits(-(shown as isize)))
        );
    }

    #[test]
    fn tab_cycles_views_and_help_toggles() {
        let mut state = started(true);
        assert_eq!(state.mode(), Mode::Overview);
        for expected in [Mode::Latent, Mode::Run, Mode::Overview] {
            assert_eq!(state.handle_key(key(KeyCode::Tab)), None);
            assert_eq!(state.mode(), expected);
        }
        state.handle_key(key(KeyCode::BackTab));
        assert_eq!(state.mode(), Mode::Run);
        state.handle_key(key(KeyCode::Char('?')));
        assert!(state.help_visible());
        state.handle_key(key(KeyCode::Esc));
        assert!(!state.help_visible());
        state.handle_key(key(KeyCode::Char('?')));
        state.handle_key(key(KeyCode::Char('?')));
        assert!(!state.help_visible());
    }

    #[test]
    fn no_key_is_bound_twice_and_every_action_has_a_listed_key() {
        let keys: Vec<&Key> = BINDINGS
            .iter()
            .flat_map(|b| b.keys.iter().map(|(k, _)| k))
            .collect();
        for (i, a) in keys.iter().enumerate() {
            assert!(
                keys[i + 1..]
                    .iter()
                    .all(|b| (a.code, a.control) != (b.code, b.control)),
                "{a:?} twice"
            );
        }
        let actions = [
            Action::TogglePause,
            Action::SaveCheckpoint,
            Action::ExportWeights,
            Action::LearningRateUp,
            Action::LearningRateDown,
            Action::BetaDown,
            Action::BetaUp,
            Action::NextDigits,
            Action::PreviousDigits,
            Action::Resample,
            Action::NextView,
            Action::PreviousView,
            Action::ToggleHelp,
            Action::CloseHelp,
            Action::Quit,
            Action::Interrupt,
        ];
        for action in actions {
            assert!(
                BINDINGS
                    .iter()
                    .flat_map(|b| b.keys)
                    .any(|&(key, a)| a == action && key.listed),
                "{action:?} has no key in the help"
            );
        }
    }

    #[test]
    fn the_help_lines_read_from_the_table() {
        let lines: Vec<(String, String)> = BINDINGS
            .iter()
            .map(|b| (b.keys_text(), b.description_text()))
            .collect();
        assert_eq!(lines[0], ("space".into(), "pause / resume training".into()));
        assert_eq!(lines[3], ("+ / -".into(), "learning rate x2 / x0.5".into()));
        assert_eq!(lines[4], ("b / B".into(), "beta x0.8 / x1.25 (VAE)".into()));
        assert_eq!(
            lines[lines.len() - 2],
            ("q".into(), "save a checkpoint, stop, quit".into())
        );
        assert_eq!(
            lines.last(),
            Some(&("Ctrl-C".into(), "save a checkpoint, stop, exit 130".into()))
        );
        // The factors the descriptions state are the ones the keys apply.
        assert!(
            lines[3]
                .1
                .contains(&format!("x{LEARNING_RATE_UP} / x{LEARNING_RATE_DOWN}"))
        );
        assert!(lines[4].1.contains(&format!("x{BETA_DOWN} / x{BETA_UP}")));
    }
}
