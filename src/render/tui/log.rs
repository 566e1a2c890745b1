//! The message log: saves, warnings, state changes, commands asked; newest at the bottom.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::messages::Level;
use super::state::DashboardState;
use super::text::{note, put};
use super::theme::{Role, Theme};

/// The role of a message level.
pub fn role(level: Level) -> Role {
    match level {
        Level::Info => Role::Text,
        Level::Warning => Role::Warn,
        Level::Error => Role::Error,
    }
}

/// Draws the log panel.
pub fn render(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = theme.block(" messages ");
    let inner = block.inner(area);
    block.render(area, buf);
    let log = state.log();
    if log.is_empty() {
        note(buf, inner, "no messages", theme.style(Role::Dim));
        return;
    }
    let rows = usize::from(inner.height);
    let skip = log.len().saturating_sub(rows);
    for (message, y) in log.iter().skip(skip).zip(inner.top()..inner.bottom()) {
        put(
            buf,
            inner,
            inner.x,
            y,
            &[(message.text.as_str(), theme.style(role(message.level)))],
        );
    }
}
