//! The dashboard's ratatui backend: crossterm's, except that with the 16 basic colours it writes
//! each change of style as one plain SGR sequence (`ESC[0;1;94;40m`: reset, the attributes, the
//! colours as 30–37, 90–97, 40–47 and 100–107). Crossterm writes every colour, even a basic
//! one, as `38;5;N`, which terminals without the 256-colour palette do not understand.

use std::io::{self, Write};

use crossterm::cursor::MoveTo;
use crossterm::queue;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};

use super::options::Colors;
use super::theme::to_basic;

/// A crossterm backend over `W` that writes colours as the terminal understands them.
#[derive(Debug)]
pub struct TerminalBackend<W: Write> {
    writer: W,
    colors: Colors,
}

impl<W: Write> TerminalBackend<W> {
    /// A backend writing to `writer` for a terminal of `colors`.
    pub fn new(writer: W, colors: Colors) -> Self {
        Self { writer, colors }
    }

    /// The writer.
    pub fn writer(&self) -> &W {
        &self.writer
    }

    /// The writer, to change (what is written to it directly is not known to the `Terminal`'s
    /// diff).
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Crossterm's backend over the writer, for everything but basic colours.
    fn crossterm(&mut self) -> CrosstermBackend<&mut W> {
        CrosstermBackend::new(&mut self.writer)
    }
}

/// The number (0–15) of a basic colour, `None` for the terminal's default.
fn basic_number(color: Color) -> Option<u8> {
    Some(match to_basic(color) {
        Color::Reset => return None,
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(n) => n.min(15),
        // `to_basic` maps RGB to an index.
        Color::Rgb(..) => return None,
    })
}

/// SGR attribute numbers of the modifiers.
const ATTRIBUTES: [(Modifier, u8); 9] = [
    (Modifier::BOLD, 1),
    (Modifier::DIM, 2),
    (Modifier::ITALIC, 3),
    (Modifier::UNDERLINED, 4),
    (Modifier::SLOW_BLINK, 5),
    (Modifier::RAPID_BLINK, 6),
    (Modifier::REVERSED, 7),
    (Modifier::HIDDEN, 8),
    (Modifier::CROSSED_OUT, 9),
];

/// Writes the one SGR sequence that sets exactly this style from any state.
pub fn write_basic_sgr(
    out: &mut impl Write,
    fg: Color,
    bg: Color,
    modifier: Modifier,
) -> io::Result<()> {
    out.write_all(b"\x1b[0")?;
    for (m, n) in ATTRIBUTES {
        if modifier.contains(m) {
            write!(out, ";{n}")?;
        }
    }
    if let Some(n) = basic_number(fg) {
        write!(out, ";{}", if n < 8 { 30 + n } else { 82 + n })?;
    }
    if let Some(n) = basic_number(bg) {
        write!(out, ";{}", if n < 8 { 40 + n } else { 92 + n })?;
    }
    out.write_all(b"m")
}

impl<W: Write> Backend for TerminalBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        if self.colors != Colors::Basic {
            return self.crossterm().draw(content);
        }
        // Every draw ends with the style reset, as crossterm's does.
        let mut style = (Color::Reset, Color::Reset, Modifier::empty());
        let mut last: Option<Position> = None;
        for (x, y, cell) in content {
            if !matches!(last, Some(p) if x == p.x + 1 && y == p.y) {
                queue!(self.writer, MoveTo(x, y))?;
            }
            last = Some(Position { x, y });
            let wanted = (cell.fg, cell.bg, cell.modifier);
            if wanted != style {
                write_basic_sgr(&mut self.writer, cell.fg, cell.bg, cell.modifier)?;
                style = wanted;
            }
            self.writer.write_all(cell.symbol().as_bytes())?;
        }
        self.writer.write_all(b"\x1b[0m")
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.crossterm().append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.crossterm().hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.crossterm().show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.crossterm().get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.crossterm().set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.crossterm().clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.crossterm().clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        let (width, height) = crossterm::terminal::size()?;
        Ok(Size { width, height })
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.crossterm().window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;
    use ratatui::{Terminal, TerminalOptions, Viewport};

    use super::*;

    fn sgr(fg: Color, bg: Color, modifier: Modifier) -> String {
        let mut out = Vec::new();
        match write_basic_sgr(&mut out, fg, bg, modifier) {
            Ok(()) => String::from_utf8_lossy(&out).into_owned(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn basic_sgr_sequences() {
        assert_eq!(
            sgr(Color::Reset, Color::Reset, Modifier::empty()),
            "\x1b[0m"
        );
        assert_eq!(
            sgr(Color::Indexed(12), Color::Black, Modifier::BOLD),
            "\x1b[0;1;94;40m"
        );
        assert_eq!(
            sgr(Color::Red, Color::Indexed(15), Modifier::REVERSED),
            "\x1b[0;7;31;107m"
        );
        // Anything else is mapped to the nearest basic colour.
        assert_eq!(
            sgr(Color::Indexed(75), Color::Indexed(236), Modifier::empty()),
            "\x1b[0;94;40m"
        );
        assert_eq!(
            sgr(Color::Rgb(0, 200, 0), Color::Reset, Modifier::empty()),
            "\x1b[0;32m"
        );
    }

    fn frame(colors: Colors) -> String {
        let backend = TerminalBackend::new(Vec::new(), colors);
        let options = TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 6, 1)),
        };
        let mut terminal = match Terminal::with_options(backend, options) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        let drawn = terminal.draw(|f| {
            let buf: &mut Buffer = f.buffer_mut();
            buf.set_string(0, 0, "ab", Style::new().fg(Color::Indexed(196)));
            buf.set_string(2, 0, "cd", Style::new().fg(Color::Indexed(196)).bold());
        });
        if let Err(e) = drawn {
            panic!("{e}");
        }
        String::from_utf8_lossy(terminal.backend().writer()).into_owned()
    }

    #[test]
    fn basic_colours_are_written_without_the_palette() {
        let basic = frame(Colors::Basic);
        assert!(!basic.contains("38;5"), "{basic:?}");
        assert!(
            basic.starts_with("\x1b[1;1H\x1b[0;91mab\x1b[0;1;91mcd\x1b[0m"),
            "{basic:?}"
        );
        let indexed = frame(Colors::Indexed);
        assert!(indexed.contains("38;5;196"), "{indexed:?}");
    }
}
