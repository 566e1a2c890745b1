//! What the dashboard's tests share: a started run, the themes frames are drawn with, and
//! the frames as text.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::options::Colors;
use super::state::DashboardState;
use super::synthetic;
use super::theme::Theme;
use super::view;
use tinyvae_host::train::events::TrainingEvent;

/// The state of a `vae-mnist-2d` run just started, told it is variational or not.
pub fn started(variational: bool) -> DashboardState {
    let mut state = DashboardState::new();
    let mut info = synthetic::mnist_vae_info();
    info.is_variational = variational;
    state.apply(TrainingEvent::Started(info));
    state
}

/// Unicode with the 256-colour palette.
pub const COLOR: Theme = Theme {
    ascii: false,
    color: Colors::Indexed,
};
/// ASCII with the 256-colour palette.
pub const ASCII: Theme = Theme {
    ascii: true,
    color: Colors::Indexed,
};
/// Unicode without colours.
pub const NO_COLOR: Theme = Theme {
    ascii: false,
    color: Colors::None,
};

/// The whole dashboard drawn into a `width`×`height` test terminal.
pub fn drawn(state: &DashboardState, theme: &Theme, width: u16, height: u16) -> Buffer {
    let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let drawn = terminal.draw(|f| {
        view::render(state, theme, f.area(), f.buffer_mut());
    });
    match drawn {
        Ok(completed) => completed.buffer.clone(),
        Err(e) => panic!("{e}"),
    }
}

/// The buffer as text, one line per row, trailing spaces removed.
pub fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The whole dashboard as text.
pub fn frame(state: &DashboardState, theme: &Theme, width: u16, height: u16) -> String {
    text(&drawn(state, theme, width, height))
}

/// A panel drawn by `draw` into an empty `width`×`height` buffer, as text.
pub fn panel(width: u16, height: u16, draw: impl FnOnce(Rect, &mut Buffer)) -> String {
    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    draw(buf.area, &mut buf);
    text(&buf)
}

/// Fails, showing `s`, on its first non-ASCII character.
pub fn assert_ascii(s: &str) {
    if let Some(c) = s.chars().find(|c| !c.is_ascii()) {
        panic!("non-ASCII {c:?} in\n{s}");
    }
}
