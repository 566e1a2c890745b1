//! The status bar: the latest message on the left, the views and the help key on the right.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::log::role;
use super::mode::Mode;
use super::state::DashboardState;
use super::text::put;
use super::theme::{Role, Theme};

/// Draws the status bar on the first row of `area`.
pub fn render(state: &DashboardState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let mut spans: Vec<Span<'_>> = Vec::with_capacity(8);
    // Narrow: only the current view's name.
    let narrow = area.width < 80;
    for mode in Mode::ALL
        .into_iter()
        .filter(|&m| m.shown(state.is_detector()) && (!narrow || m == state.mode()))
    {
        let style = if mode == state.mode() {
            theme.style(Role::Selected)
        } else {
            theme.style(Role::Dim)
        };
        spans.push(Span::styled(format!(" {} ", mode.title()), style));
    }
    spans.push(Span::styled(" tab", theme.style(Role::Key)));
    spans.push(Span::styled(" view ", theme.style(Role::Dim)));
    spans.push(Span::styled("?", theme.style(Role::Key)));
    spans.push(Span::styled(" help ", theme.style(Role::Dim)));
    let tabs = Line::from(spans);
    let width = u16::try_from(tabs.width())
        .unwrap_or(u16::MAX)
        .min(area.width);
    let x = area.right() - width;
    buf.set_line(x, area.y, &tabs, width);
    if let Some(message) = state.last_message() {
        let room = Rect {
            width: x.saturating_sub(area.x + 1),
            ..area
        };
        put(
            buf,
            room,
            area.x + 1,
            area.y,
            &[(message.text.as_str(), theme.style(role(message.level)))],
        );
    }
}
