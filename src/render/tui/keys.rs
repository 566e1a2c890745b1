//! The dashboard's keys: what each does, as [`DashboardState::handle_key`].

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

impl DashboardState {
    /// Maps a key press to the command to send, if any, and updates the view state
    /// (view, help, quitting).
    ///
    /// | key | effect |
    /// |---|---|
    /// | space | [`Command::TogglePause`] |
    /// | `s` | [`Command::SaveCheckpoint`] |
    /// | `e` | [`Command::ExportWeights`] |
    /// | `+` (or `=`) / `-` | [`Command::ScaleLearningRate`] ×2 / ×0.5 |
    /// | `b` / `B` | [`Command::ScaleBeta`] ×0.8 / ×1.25 (variational models) |
    /// | `n` / `p` | [`Command::MoveDigits`] by ± the number of digits shown |
    /// | `r` | [`Command::Resample`] (variational models) |
    /// | tab / shift-tab | next / previous view |
    /// | `?` | help on / off; Esc closes it |
    /// | `q`, Ctrl-C | [`Command::Stop`] `{ save: true }`, then the dashboard quits |
    pub fn handle_key(&mut self, key: KeyEvent) -> Option<Command> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        let variational = self.info().is_some_and(|i| i.is_variational);
        let command = match key.code {
            KeyCode::Char('c' | 'C') if control => self.quit(),
            _ if control => return None,
            KeyCode::Char('q' | 'Q') => self.quit(),
            KeyCode::Esc => {
                if !self.help_visible() {
                    return None;
                }
                self.set_help(false);
                None
            }
            KeyCode::Char('?') => {
                self.set_help(!self.help_visible());
                None
            }
            KeyCode::Tab => {
                self.set_mode(self.mode().next());
                None
            }
            KeyCode::BackTab => {
                self.set_mode(self.mode().previous());
                None
            }
            KeyCode::Char(' ') => Some(Command::TogglePause),
            KeyCode::Char('s') => Some(Command::SaveCheckpoint),
            KeyCode::Char('e') => Some(Command::ExportWeights),
            KeyCode::Char('+' | '=') => Some(Command::ScaleLearningRate(LEARNING_RATE_UP)),
            KeyCode::Char('-' | '_') => Some(Command::ScaleLearningRate(LEARNING_RATE_DOWN)),
            KeyCode::Char(c @ ('b' | 'B' | 'r')) if !variational => {
                let what = if c == 'r' { "samples" } else { "beta" };
                self.push_message(
                    Level::Warning,
                    format!("{what}: only for variational models"),
                );
                None
            }
            KeyCode::Char('b') => Some(Command::ScaleBeta(BETA_DOWN)),
            KeyCode::Char('B') => Some(Command::ScaleBeta(BETA_UP)),
            KeyCode::Char('r') => Some(Command::Resample),
            KeyCode::Char('n') => Some(Command::MoveDigits(self.digits_step())),
            KeyCode::Char('p') => Some(Command::MoveDigits(-self.digits_step())),
            _ => return None,
        };
        self.mark_changed();
        if let Some(command) = command
            && !matches!(command, Command::Stop { .. })
        {
            self.push_message(Level::Info, format!("asked: {}", describe(command)));
        }
        command
    }

    fn quit(&mut self) -> Option<Command> {
        self.request_quit();
        Some(Command::Stop { save: true })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tui::mode::Mode;
    use crate::render::tui::synthetic;
    use tinyvae_host::train::events::TrainingEvent;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn started(variational: bool) -> DashboardState {
        let mut state = DashboardState::new();
        let mut info = synthetic::mnist_vae_info();
        info.is_variational = variational;
        state.apply(TrainingEvent::Started(info));
        state
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
}
