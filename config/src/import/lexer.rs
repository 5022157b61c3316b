//! Tokenizer for the subset of Elixir that `config/runtime.exs` files of the original gateway use.

use super::ImportError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// `:name` or `:"quoted name"`.
    Atom(String),
    /// `name:` or `"quoted":` (a keyword-list or map key).
    Key(String),
    /// A lower-case identifier: a variable, a local call, `true`, `nil`, `do`...
    Ident(String),
    /// A capitalised module name segment (`System`, `Config`).
    Alias(String),
    /// A string (escapes resolved).
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Punctuation or an operator, e.g. `%{`, `=>`, `||`.
    Punct(&'static str),
    /// A word list sigil, `~w(a b)` (strings) or `~w(a b)a` (atoms).
    Words {
        /// The words, escapes resolved.
        words: Vec<String>,
        /// Whether the `a` modifier made them atoms.
        atoms: bool,
    },
}

/// A token and where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) line: u32,
    pub(super) column: u32,
}

/// Longest operators first, so that `||` is not read as two `|`.
const PUNCTUATION: &[&str] = &[
    "%{", "=>", "||", "|>", "==", "!=", "<>", "&&", "++", "[", "]", "{", "}", "(", ")", ",", ".",
    "=", "-", "+", "*", "/", "|", "<", ">", "!", "%", "@", "&",
];

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: u32,
    column: u32,
}

/// Splits `text` into tokens, skipping whitespace and `#` comments.
pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, ImportError> {
    let mut lexer = Lexer {
        chars: text.chars().peekable(),
        line: 1,
        column: 1,
    };
    let mut tokens = Vec::new();
    while let Some(token) = lexer.next_token()? {
        tokens.push(token);
    }
    Ok(tokens)
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Lexer<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else {
            self.column = self.column.saturating_add(1);
        }
        Some(c)
    }

    fn error(&self, line: u32, column: u32, message: impl Into<String>) -> ImportError {
        ImportError {
            line,
            column,
            message: message.into(),
        }
    }

    fn next_token(&mut self) -> Result<Option<Token>, ImportError> {
        loop {
            match self.peek() {
                None => return Ok(None),
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some(_) => break,
            }
        }
        let (line, column) = (self.line, self.column);
        let token = |tok| Token { tok, line, column };
        let Some(first) = self.peek() else {
            return Ok(None);
        };
        let tok = if first == '"' {
            self.bump();
            let text = self.string('"', line, column)?;
            self.key_suffix(text, Tok::Str)
        } else if first == '\'' {
            self.bump();
            Tok::Str(self.string('\'', line, column)?)
        } else if first == ':' {
            self.bump();
            match self.peek() {
                Some('"') => {
                    self.bump();
                    Tok::Atom(self.string('"', line, column)?)
                }
                Some(c) if is_ident_start(c) => Tok::Atom(self.word()),
                _ => return Err(self.error(line, column, "expected an atom name after `:`")),
            }
        } else if first == '~' {
            self.bump();
            self.sigil(line, column)?
        } else if first.is_ascii_digit() {
            self.number(line, column)?
        } else if is_ident_start(first) {
            let word = self.word();
            if first.is_ascii_uppercase() {
                Tok::Alias(word)
            } else {
                self.key_suffix(word, Tok::Ident)
            }
        } else {
            let rest: String = self.chars.clone().take(2).collect();
            let Some(punct) = PUNCTUATION.iter().find(|p| rest.starts_with(**p)) else {
                return Err(self.error(line, column, format!("unexpected character {first:?}")));
            };
            for _ in 0..punct.len() {
                self.bump();
            }
            Tok::Punct(punct)
        };
        Ok(Some(token(tok)))
    }

    /// An identifier, with the `?`/`!` suffix Elixir allows.
    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek().filter(|c| is_ident_char(*c)) {
            word.push(c);
            self.bump();
        }
        if let Some(c) = self.peek().filter(|c| *c == '?' || *c == '!') {
            word.push(c);
            self.bump();
        }
        word
    }

    /// `word:` followed by whitespace is a key; `word::` or `word:x` is not.
    fn key_suffix(&mut self, word: String, otherwise: fn(String) -> Tok) -> Tok {
        let mut ahead = self.chars.clone();
        if ahead.next() == Some(':') && ahead.next().is_none_or(char::is_whitespace) {
            self.bump();
            Tok::Key(word)
        } else {
            otherwise(word)
        }
    }

    fn number(&mut self, line: u32, column: u32) -> Result<Tok, ImportError> {
        let mut digits = String::new();
        let radix = if self.peek() == Some('0') {
            let mut ahead = self.chars.clone();
            ahead.next();
            match ahead.next() {
                Some('x') => 16,
                Some('o') => 8,
                Some('b') => 2,
                _ => 10,
            }
        } else {
            10
        };
        if radix != 10 {
            self.bump();
            self.bump();
        }
        let mut is_float = false;
        loop {
            match self.peek() {
                Some(c) if c.is_digit(radix) => digits.push(c),
                Some('_') => {}
                Some('.') if radix == 10 && !is_float => {
                    let mut ahead = self.chars.clone();
                    ahead.next();
                    if !ahead.next().is_some_and(|c| c.is_ascii_digit()) {
                        break;
                    }
                    is_float = true;
                    digits.push('.');
                }
                Some(c @ ('e' | 'E')) if is_float => {
                    digits.push(c);
                    self.bump();
                    if let Some(sign) = self.peek().filter(|c| *c == '-' || *c == '+') {
                        digits.push(sign);
                    } else {
                        continue;
                    }
                }
                _ => break,
            }
            self.bump();
        }
        if digits.is_empty() || self.peek().is_some_and(is_ident_char) {
            return Err(self.error(line, column, "malformed number"));
        }
        if is_float {
            return digits
                .parse()
                .map(Tok::Float)
                .map_err(|_| self.error(line, column, format!("malformed number {digits:?}")));
        }
        i64::from_str_radix(&digits, radix)
            .map(Tok::Int)
            .map_err(|_| self.error(line, column, format!("integer {digits} is out of range")))
    }

    /// The rest of a sigil after its `~`. Only word lists (`~w`, `~W`, modifiers `a`, `s`,
    /// `c`) hold configuration values; any other sigil is refused by name.
    fn sigil(&mut self, line: u32, column: u32) -> Result<Tok, ImportError> {
        let escapes = match self.bump() {
            Some('w') => true,
            Some('W') => false,
            Some(other) => {
                return Err(self.error(
                    line,
                    column,
                    format!("sigil ~{other} cannot be converted; write the value out"),
                ))
            }
            None => return Err(self.error(line, column, "expected a sigil after `~`")),
        };
        let close = match self.bump() {
            Some('(') => ')',
            Some('[') => ']',
            Some('{') => '}',
            Some('<') => '>',
            Some(c @ ('/' | '|' | '"' | '\'')) => c,
            _ => {
                return Err(self.error(
                    line,
                    column,
                    "expected a delimiter after ~w, e.g. ~w(transmitter receiver)a",
                ))
            }
        };
        let mut text = String::new();
        loop {
            let (here_line, here_column) = (self.line, self.column);
            match self.bump() {
                None => return Err(self.error(line, column, "sigil is never closed")),
                Some(c) if c == close => break,
                Some('#') if escapes && self.peek() == Some('{') => {
                    return Err(self.error(
                        here_line,
                        here_column,
                        "string interpolation `#{...}` cannot be converted; write the value out",
                    ));
                }
                Some('\\') if escapes => text.push(self.escape(here_line, here_column)?),
                Some('\\') if self.peek() == Some(close) => {
                    self.bump();
                    text.push(close);
                }
                Some(c) => text.push(c),
            }
        }
        let atoms = match self.peek() {
            Some('a') => {
                self.bump();
                true
            }
            Some('s' | 'c') => {
                self.bump();
                false
            }
            _ => false,
        };
        if self.peek().is_some_and(is_ident_char) {
            return Err(self.error(line, column, "unknown ~w modifier; expected a, s or c"));
        }
        let words = text.split_whitespace().map(str::to_owned).collect();
        Ok(Tok::Words { words, atoms })
    }

    /// The rest of a string opened by `quote` at (`line`, `column`).
    fn string(&mut self, quote: char, line: u32, column: u32) -> Result<String, ImportError> {
        let mut text = String::new();
        loop {
            let (here_line, here_column) = (self.line, self.column);
            match self.bump() {
                None => {
                    return Err(self.error(line, column, "string is never closed"));
                }
                Some(c) if c == quote => return Ok(text),
                Some('#') if self.peek() == Some('{') => {
                    return Err(self.error(
                        here_line,
                        here_column,
                        "string interpolation `#{...}` cannot be converted; write the value out",
                    ));
                }
                Some('\\') => text.push(self.escape(here_line, here_column)?),
                Some(c) => text.push(c),
            }
        }
    }

    fn escape(&mut self, line: u32, column: u32) -> Result<char, ImportError> {
        let Some(c) = self.bump() else {
            return Err(self.error(line, column, "string is never closed"));
        };
        Ok(match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            's' => ' ',
            'e' => '\u{1b}',
            '0' => '\0',
            'a' => '\u{7}',
            // Elixir's `\d` is DEL, not a digit class: keeping the letter would change the value.
            'd' => '\u{7f}',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'v' => '\u{b}',
            'x' => self.hex_escape(line, column, 2)?,
            'u' => {
                if self.peek() == Some('{') {
                    self.bump();
                    let mut hex = String::new();
                    while let Some(c) = self.peek().filter(char::is_ascii_hexdigit) {
                        hex.push(c);
                        self.bump();
                    }
                    if self.bump() != Some('}') || hex.is_empty() || hex.len() > 6 {
                        return Err(self.error(line, column, "malformed \\u{...} escape"));
                    }
                    self.code_point(&hex, line, column)?
                } else {
                    self.hex_escape(line, column, 4)?
                }
            }
            other => other,
        })
    }

    fn hex_escape(&mut self, line: u32, column: u32, count: usize) -> Result<char, ImportError> {
        let mut hex = String::new();
        for _ in 0..count {
            match self.peek().filter(char::is_ascii_hexdigit) {
                Some(c) => {
                    hex.push(c);
                    self.bump();
                }
                None => return Err(self.error(line, column, "malformed hexadecimal escape")),
            }
        }
        self.code_point(&hex, line, column)
    }

    fn code_point(&self, hex: &str, line: u32, column: u32) -> Result<char, ImportError> {
        u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.error(line, column, format!("\\u{hex} is not a character")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        tokenize(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn reads_the_config_vocabulary() {
        assert_eq!(
            toks("config :omnimessage_smpp, tps_limit: 10_000 # comment\n"),
            [
                Tok::Ident("config".into()),
                Tok::Atom("omnimessage_smpp".into()),
                Tok::Punct(","),
                Tok::Key("tps_limit".into()),
                Tok::Int(10_000),
            ]
        );
        assert_eq!(
            toks(r#"%{"name" => "a\"b\n", ok?: :"x y"} || 0x1F 1.5e3"#),
            [
                Tok::Punct("%{"),
                Tok::Str("name".into()),
                Tok::Punct("=>"),
                Tok::Str("a\"b\n".into()),
                Tok::Punct(","),
                Tok::Key("ok?".into()),
                Tok::Atom("x y".into()),
                Tok::Punct("}"),
                Tok::Punct("||"),
                Tok::Int(31),
                Tok::Float(1500.0),
            ]
        );
        assert_eq!(
            toks("System.get_env(\"X\")"),
            [
                Tok::Alias("System".into()),
                Tok::Punct("."),
                Tok::Ident("get_env".into()),
                Tok::Punct("("),
                Tok::Str("X".into()),
                Tok::Punct(")"),
            ]
        );
    }

    #[test]
    fn resolves_every_elixir_escape() {
        // The escapes of Elixir's string syntax; an unknown one stands for its own character.
        assert_eq!(
            toks(r##""\0\a\b\d\e\f\n\r\s\t\v\x41\u00e9\u{263A}\q\\\"#""##),
            [Tok::Str(
                "\0\u{7}\u{8}\u{7f}\u{1b}\u{c}\n\r \t\u{b}Aé\u{263a}q\\\"#".into()
            )]
        );
        assert_eq!(
            toks(r"'pa\dss'"),
            toks(r#""pa\dss""#),
            "charlists take the same escapes"
        );
    }

    #[test]
    fn reads_word_list_sigils() {
        let words = |list: &[&str], atoms| Tok::Words {
            words: list.iter().map(|w| (*w).to_owned()).collect(),
            atoms,
        };
        assert_eq!(
            toks("~w(transmitter receiver)a ~w[10.0.0.1 10.0.0.0/8] ~W|a\\n b|s ~w{x\\sy}c"),
            [
                words(&["transmitter", "receiver"], true),
                words(&["10.0.0.1", "10.0.0.0/8"], false),
                words(&["a\\n", "b"], false),
                // As in Elixir, escapes are resolved before the split: `\s` separates.
                words(&["x", "y"], false),
            ]
        );
        assert_eq!(toks("~w<>"), [words(&[], false)]);
        assert_eq!(toks("~w(a\\)b)"), [words(&["a)b"], false)]);
        for (bad, message) in [
            ("~r/x/", "sigil ~r"),
            ("~w(a", "never closed"),
            ("~w(a)z", "modifier"),
            ("~w a", "delimiter"),
            ("~w(#{x})", "interpolation"),
        ] {
            let error = tokenize(bad).unwrap_err();
            assert!(error.message.contains(message), "{bad}: {}", error.message);
            assert_eq!(error.line, 1);
        }
    }

    #[test]
    fn errors_carry_line_and_column() {
        let error = tokenize("a: 1,\n  b: \"open").unwrap_err();
        assert_eq!((error.line, error.column), (2, 6));
        let error = tokenize("x = \"#{host}\"").unwrap_err();
        assert_eq!((error.line, error.column), (1, 6));
        assert!(error.message.contains("interpolation"));
        let error = tokenize("port: 27a5").unwrap_err();
        assert_eq!((error.line, error.column), (1, 7));
        let error = tokenize("n: 99999999999999999999").unwrap_err();
        assert!(error.message.contains("out of range"));
        let error = tokenize("x: ;").unwrap_err();
        assert_eq!((error.line, error.column), (1, 4));
        assert!(tokenize("\"\\u{110000}\"").is_err());
        assert!(tokenize("\"\\").is_err());
        assert!(tokenize(": ").is_err());
        assert_eq!(tokenize("0x").unwrap_err().message, "malformed number");
        assert_eq!(tokenize("0b102").unwrap_err().message, "malformed number");
    }
}
