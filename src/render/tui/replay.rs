//! For tests: the screen a stream of terminal output builds, for the sequences the dashboard
//! writes (cursor moves, clears, SGR; others are skipped). Text only, one cell per character,
//! combining marks joined to the cell before.

/// A screen of `width × height` cells and a cursor.
#[derive(Clone, Debug)]
pub struct Screen {
    width: u16,
    height: u16,
    cells: Vec<String>,
    x: u16,
    y: u16,
    /// Bytes of an escape sequence or a character cut at the end of the last feed.
    partial: Vec<u8>,
}

impl Screen {
    /// A blank screen.
    pub fn new(width: u16, height: u16) -> Self {
        Self {
            width,
            height,
            cells: vec![" ".to_string(); usize::from(width) * usize::from(height)],
            x: 0,
            y: 0,
            partial: Vec::new(),
        }
    }

    /// The rows, each its cells' symbols joined.
    pub fn lines(&self) -> Vec<String> {
        self.cells
            .chunks(usize::from(self.width.max(1)))
            .map(|row| row.concat())
            .collect()
    }

    fn clear(&mut self) {
        for cell in &mut self.cells {
            " ".clone_into(cell);
        }
    }

    fn cell(&mut self, x: u16, y: u16) -> Option<&mut String> {
        if x >= self.width || y >= self.height {
            return None;
        }
        self.cells
            .get_mut(usize::from(y) * usize::from(self.width) + usize::from(x))
    }

    /// Takes more output.
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut input = std::mem::take(&mut self.partial);
        input.extend_from_slice(bytes);
        let text = match std::str::from_utf8(&input) {
            Ok(text) => text.to_string(),
            Err(e) if e.error_len().is_none() => {
                // A character cut at the end: keep it for the next feed.
                self.partial = input[e.valid_up_to()..].to_vec();
                String::from_utf8_lossy(&input[..e.valid_up_to()]).into_owned()
            }
            Err(_) => String::from_utf8_lossy(&input).into_owned(),
        };
        let mut chars = text.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            match c {
                '\x1b' => {
                    if chars.peek().map(|&(_, c)| c) != Some('[') {
                        chars.next();
                        continue;
                    }
                    chars.next();
                    let mut params = String::new();
                    let mut end = None;
                    for (_, c) in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            end = Some(c);
                            break;
                        }
                        params.push(c);
                    }
                    match end {
                        Some(command) => self.csi(&params, command),
                        None => {
                            // Cut at the end: keep it for the next feed.
                            let cut = std::mem::take(&mut self.partial);
                            self.partial = text.as_bytes()[start..].to_vec();
                            self.partial.extend_from_slice(&cut);
                            return;
                        }
                    }
                }
                '\r' => self.x = 0,
                '\n' => self.y = self.y.saturating_add(1),
                c if ('\u{300}'..='\u{36f}').contains(&c) => {
                    let x = self.x.saturating_sub(1);
                    let y = self.y;
                    if let Some(cell) = self.cell(x, y) {
                        cell.push(c);
                    }
                }
                c => {
                    let (x, y) = (self.x, self.y);
                    if let Some(cell) = self.cell(x, y) {
                        cell.clear();
                        cell.push(c);
                    }
                    self.x = self.x.saturating_add(1);
                }
            }
        }
    }

    fn csi(&mut self, params: &str, command: char) {
        let numbers: Vec<u16> = params
            .split(';')
            .map(|p| p.trim_start_matches('?').parse().unwrap_or(0))
            .collect();
        let first = numbers.first().copied().unwrap_or(0);
        match command {
            'H' => {
                let row = first.max(1);
                let column = numbers.get(1).copied().unwrap_or(1).max(1);
                (self.x, self.y) = (column - 1, row - 1);
            }
            'J' if first == 2 || first == 3 => self.clear(),
            'K' => {
                let (x0, y) = (self.x, self.y);
                for x in x0..self.width {
                    if let Some(cell) = self.cell(x, y) {
                        " ".clone_into(cell);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_prints_and_clears() {
        let mut screen = Screen::new(4, 2);
        screen.feed(b"\x1b[2;2Hab\x1b[0;1;31mc\x1b[?25l\x1b[1;1Hx\xcc");
        screen.feed(b"\x82\x1b[");
        screen.feed(b"0m");
        assert_eq!(screen.lines(), vec!["x\u{302}   ", " abc"]);
        screen.feed(b"\x1b[2J");
        assert_eq!(screen.lines(), vec!["    ", "    "]);
    }
}
