//! Recursive-descent parser from tokens to a small Elixir syntax tree.
//!
//! Statements: `import Alias`, `config arg, arg, key: value, ...` (with or without parentheses),
//! `variable = expression`, and `if condition do ... end` (its condition is not evaluated; see the
//! converter). Expressions: literals, lists, keyword lists, maps, tuples, variables, remote calls
//! (`System.get_env("X")`), local calls, unary minus and the operators `||`, `&&`, `==`, `!=`,
//! `|>` and `<>`.

use super::lexer::{Tok, Token};
use super::ImportError;

/// Deeper nesting than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 64;

/// An expression and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Expr {
    pub(super) kind: ExprKind,
    pub(super) line: u32,
    pub(super) column: u32,
}

/// A `key: value` or `key => value` pair of a map or keyword list.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    pub(super) key: String,
    pub(super) line: u32,
    pub(super) value: Expr,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ExprKind {
    Atom(String),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    List(Vec<Expr>),
    /// A keyword list `[a: 1]` (also the trailing keywords of a call).
    Keywords(Vec<Entry>),
    Map(Vec<Entry>),
    Tuple(Vec<Expr>),
    Var(String),
    /// A bare module name (`MyAppWeb.Endpoint`).
    Module(String),
    /// `Module.function(args)` (`module` empty for a local call).
    Call {
        module: String,
        function: String,
        args: Vec<Expr>,
    },
    Binary {
        op: &'static str,
        left: Box<Expr>,
        right: Box<Expr>,
    },
}

/// A top-level statement.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Stmt {
    Import {
        module: String,
        line: u32,
    },
    Config {
        args: Vec<Expr>,
        line: u32,
    },
    Assign {
        name: String,
        value: Expr,
    },
    If {
        condition: Expr,
        body: Vec<Stmt>,
        line: u32,
    },
}

pub(super) struct Parser {
    tokens: Vec<Token>,
    position: usize,
    depth: usize,
    /// Where the text ends, for "unexpected end" errors.
    end: (u32, u32),
}

impl Parser {
    pub(super) fn new(tokens: Vec<Token>, end: (u32, u32)) -> Self {
        Parser {
            tokens,
            position: 0,
            depth: 0,
            end,
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn peek_tok(&self) -> Option<&Tok> {
        self.peek().map(|token| &token.tok)
    }

    fn next(&mut self) -> Result<Token, ImportError> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token.ok_or_else(|| self.error_at(self.end, "unexpected end of file"))
    }

    fn error_at(&self, (line, column): (u32, u32), message: impl Into<String>) -> ImportError {
        ImportError {
            line,
            column,
            message: message.into(),
        }
    }

    fn here(&self) -> (u32, u32) {
        self.peek()
            .map_or(self.end, |token| (token.line, token.column))
    }

    fn is_punct(&self, punct: &str) -> bool {
        matches!(self.peek_tok(), Some(Tok::Punct(p)) if *p == punct)
    }

    fn eat_punct(&mut self, punct: &str) -> bool {
        let found = self.is_punct(punct);
        if found {
            self.position += 1;
        }
        found
    }

    fn expect_punct(&mut self, punct: &str, what: &str) -> Result<(), ImportError> {
        if self.eat_punct(punct) {
            return Ok(());
        }
        let found = self.describe_next();
        Err(self.error_at(
            self.here(),
            format!("expected `{punct}` {what}, found {found}"),
        ))
    }

    fn describe_next(&self) -> String {
        match self.peek_tok() {
            None => "the end of the file".to_owned(),
            Some(Tok::Atom(name)) => format!("atom :{name}"),
            Some(Tok::Key(name)) => format!("key `{name}:`"),
            Some(Tok::Ident(name) | Tok::Alias(name)) => format!("`{name}`"),
            Some(Tok::Str(text)) => format!("string {text:?}"),
            Some(Tok::Int(value)) => format!("number {value}"),
            Some(Tok::Float(value)) => format!("number {value}"),
            Some(Tok::Punct(punct)) => format!("`{punct}`"),
            Some(Tok::Words { .. }) => "a ~w word list".to_owned(),
        }
    }

    fn is_ident(&self, word: &str) -> bool {
        matches!(self.peek_tok(), Some(Tok::Ident(w)) if w == word)
    }

    /// Statements until the end of the file.
    pub(super) fn program(&mut self) -> Result<Vec<Stmt>, ImportError> {
        let mut statements = Vec::new();
        while self.peek().is_some() {
            statements.push(self.statement()?);
        }
        Ok(statements)
    }

    fn statement(&mut self) -> Result<Stmt, ImportError> {
        let token = self.next()?;
        let line = token.line;
        match token.tok {
            Tok::Ident(word) if word == "import" => {
                let module = self.module_name()?;
                Ok(Stmt::Import { module, line })
            }
            Tok::Ident(word) if word == "config" => {
                let parenthesised = self.eat_punct("(");
                let args = self.arguments(if parenthesised { Some(")") } else { None })?;
                if parenthesised {
                    self.expect_punct(")", "to close `config(`")?;
                }
                Ok(Stmt::Config { args, line })
            }
            Tok::Ident(word) if word == "if" => self.if_statement(line),
            Tok::Ident(name) if self.is_punct("=") => {
                self.position += 1;
                let value = self.expression()?;
                Ok(Stmt::Assign { name, value })
            }
            _ => Err(self.error_at(
                (token.line, token.column),
                "expected `import Config`, `config :omnimessage_smpp, ...`, a variable \
                 assignment or `if ... do ... end`",
            )),
        }
    }

    fn if_statement(&mut self, line: u32) -> Result<Stmt, ImportError> {
        let condition = self.expression()?;
        if !self.is_ident("do") {
            let found = self.describe_next();
            return Err(self.error_at(self.here(), format!("expected `do`, found {found}")));
        }
        self.position += 1;
        self.enter()?;
        let mut body = Vec::new();
        loop {
            if self.is_ident("end") {
                self.position += 1;
                break;
            }
            if self.is_ident("else") {
                return Err(self.error_at(
                    self.here(),
                    "`if ... else` cannot be converted; keep the branch for production",
                ));
            }
            if self.peek().is_none() {
                return Err(self.error_at(self.end, "`if ... do` is never closed by `end`"));
            }
            body.push(self.statement()?);
        }
        self.depth -= 1;
        Ok(Stmt::If {
            condition,
            body,
            line,
        })
    }

    fn module_name(&mut self) -> Result<String, ImportError> {
        let token = self.next()?;
        let Tok::Alias(mut name) = token.tok else {
            return Err(self.error_at((token.line, token.column), "expected a module name"));
        };
        while self.is_punct(".")
            && matches!(
                self.tokens.get(self.position + 1),
                Some(Token {
                    tok: Tok::Alias(_),
                    ..
                })
            )
        {
            self.position += 1;
            if let Ok(Token {
                tok: Tok::Alias(part),
                ..
            }) = self.next()
            {
                name.push('.');
                name.push_str(&part);
            }
        }
        Ok(name)
    }

    fn enter(&mut self) -> Result<(), ImportError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(self.here(), "nested too deeply"));
        }
        Ok(())
    }

    /// Comma-separated arguments, the trailing `key: value` ones gathered into one keyword
    /// list. `close` is the closing punctuation (a trailing comma is allowed before it); `None`
    /// for a call without parentheses, which ends at the first argument not followed by a comma.
    fn arguments(&mut self, close: Option<&str>) -> Result<Vec<Expr>, ImportError> {
        let mut args = Vec::new();
        loop {
            if close.is_some_and(|close| self.is_punct(close)) {
                return Ok(args);
            }
            if let Some(Token {
                tok: Tok::Key(_),
                line,
                column,
            }) = self.peek().cloned()
            {
                let entries = self.entries(close.unwrap_or(""), false)?;
                args.push(Expr {
                    kind: ExprKind::Keywords(entries),
                    line,
                    column,
                });
                return Ok(args);
            }
            args.push(self.expression()?);
            if !self.eat_punct(",") {
                return Ok(args);
            }
        }
    }

    /// `key: value` entries (and `key => value` ones when `arrows`) up to `close`, which is not
    /// consumed; a trailing comma is allowed before it.
    fn entries(&mut self, close: &str, arrows: bool) -> Result<Vec<Entry>, ImportError> {
        let mut entries = Vec::new();
        loop {
            if !close.is_empty() && self.is_punct(close) {
                return Ok(entries);
            }
            let token = self.next()?;
            let (key, line) = match token.tok {
                Tok::Key(key) => (key, token.line),
                Tok::Atom(key) | Tok::Str(key) if arrows => {
                    self.expect_punct("=>", "after a map key")?;
                    (key, token.line)
                }
                _ if arrows => {
                    return Err(self.error_at(
                        (token.line, token.column),
                        "expected a map key (`name: value`, `\"name\" => value` or \
                         `:name => value`)",
                    ))
                }
                _ => {
                    return Err(self.error_at(
                        (token.line, token.column),
                        "expected `key: value` (a keyword list cannot go back to plain values)",
                    ))
                }
            };
            let value = self.expression()?;
            entries.push(Entry { key, line, value });
            if !self.eat_punct(",") {
                return Ok(entries);
            }
        }
    }

    pub(super) fn expression(&mut self) -> Result<Expr, ImportError> {
        self.enter()?;
        let result = self.binary(0);
        self.depth -= 1;
        result
    }

    /// Operators by increasing precedence, as in Elixir.
    const LEVELS: &'static [&'static [&'static str]] =
        &[&["||"], &["&&"], &["==", "!="], &["|>"], &["<>"]];

    fn binary(&mut self, level: usize) -> Result<Expr, ImportError> {
        let Some(operators) = Self::LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        while let Some(Tok::Punct(op)) = self.peek_tok() {
            let op: &'static str = op;
            if !operators.contains(&op) {
                break;
            }
            self.position += 1;
            let right = self.binary(level + 1)?;
            left = Expr {
                line: left.line,
                column: left.column,
                kind: ExprKind::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ImportError> {
        if self.is_punct("-") {
            let (line, column) = self.here();
            self.position += 1;
            self.enter()?;
            let operand = self.unary();
            self.depth -= 1;
            let operand = operand?;
            return match operand.kind {
                ExprKind::Int(value) => Ok(Expr {
                    kind: ExprKind::Int(-value),
                    line,
                    column,
                }),
                ExprKind::Float(value) => Ok(Expr {
                    kind: ExprKind::Float(-value),
                    line,
                    column,
                }),
                _ => Err(self.error_at((line, column), "`-` only applies to numbers here")),
            };
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ImportError> {
        let token = self.next()?;
        let (line, column) = (token.line, token.column);
        let kind = match token.tok {
            Tok::Atom(name) => ExprKind::Atom(name),
            Tok::Str(text) => ExprKind::Str(text),
            Tok::Words { words, atoms } => ExprKind::List(
                words
                    .into_iter()
                    .map(|word| Expr {
                        kind: if atoms {
                            ExprKind::Atom(word)
                        } else {
                            ExprKind::Str(word)
                        },
                        line,
                        column,
                    })
                    .collect(),
            ),
            Tok::Int(value) => ExprKind::Int(value),
            Tok::Float(value) => ExprKind::Float(value),
            Tok::Ident(word) => match word.as_str() {
                "true" => ExprKind::Bool(true),
                "false" => ExprKind::Bool(false),
                "nil" => ExprKind::Nil,
                // `System.get_env("X") || raise "X is missing"` is the usual way to require one.
                "raise" if !self.is_punct("(") => ExprKind::Call {
                    module: String::new(),
                    function: word,
                    args: vec![self.expression()?],
                },
                _ if self.is_punct("(") => {
                    self.position += 1;
                    let args = self.arguments(Some(")"))?;
                    self.expect_punct(")", "to close the call")?;
                    ExprKind::Call {
                        module: String::new(),
                        function: word,
                        args,
                    }
                }
                _ => ExprKind::Var(word),
            },
            Tok::Alias(_) => {
                self.position -= 1;
                let module = self.module_name()?;
                if !self.is_punct(".") {
                    return Ok(Expr {
                        kind: ExprKind::Module(module),
                        line,
                        column,
                    });
                }
                self.position += 1;
                let function = match self.next()? {
                    Token {
                        tok: Tok::Ident(function),
                        ..
                    } => function,
                    other => {
                        return Err(self.error_at(
                            (other.line, other.column),
                            format!("expected a function name after `{module}.`"),
                        ))
                    }
                };
                self.expect_punct("(", "after the function name")?;
                let args = self.arguments(Some(")"))?;
                self.expect_punct(")", "to close the call")?;
                ExprKind::Call {
                    module,
                    function,
                    args,
                }
            }
            Tok::Punct("[") => self.nested(|parser| {
                if matches!(parser.peek_tok(), Some(Tok::Key(_))) {
                    let entries = parser.entries("]", false)?;
                    parser.expect_punct("]", "to close the keyword list")?;
                    return Ok(ExprKind::Keywords(entries));
                }
                let items = parser.items("]")?;
                parser.expect_punct("]", "to close the list (or a `,` is missing)")?;
                Ok(ExprKind::List(items))
            })?,
            Tok::Punct("%{") => self.nested(|parser| {
                let entries = parser.entries("}", true)?;
                parser.expect_punct("}", "to close the map (or a `,` is missing)")?;
                Ok(ExprKind::Map(entries))
            })?,
            Tok::Punct("{") => self.nested(|parser| {
                let items = parser.items("}")?;
                parser.expect_punct("}", "to close the tuple (or a `,` is missing)")?;
                Ok(ExprKind::Tuple(items))
            })?,
            Tok::Punct("(") => {
                let inner = self.expression()?;
                self.expect_punct(")", "to close the parenthesis")?;
                inner.kind
            }
            other => {
                let found = match other {
                    Tok::Key(key) => format!("key `{key}:` where a value was expected"),
                    Tok::Punct(punct) => format!("unexpected `{punct}`"),
                    _ => "unexpected token".to_owned(),
                };
                return Err(self.error_at((line, column), found));
            }
        };
        Ok(Expr { kind, line, column })
    }

    fn nested(
        &mut self,
        body: impl FnOnce(&mut Self) -> Result<ExprKind, ImportError>,
    ) -> Result<ExprKind, ImportError> {
        self.enter()?;
        let result = body(self);
        self.depth -= 1;
        result
    }

    /// Comma-separated expressions up to `close` (not consumed), trailing comma allowed.
    fn items(&mut self, close: &str) -> Result<Vec<Expr>, ImportError> {
        let mut items = Vec::new();
        loop {
            if self.is_punct(close) {
                return Ok(items);
            }
            items.push(self.expression()?);
            if !self.eat_punct(",") {
                return Ok(items);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::import::lexer::tokenize;

    fn parse(text: &str) -> Vec<Stmt> {
        Parser::new(tokenize(text).unwrap(), (1, 1))
            .program()
            .unwrap()
    }

    fn shape(expr: &Expr) -> String {
        match &expr.kind {
            ExprKind::Binary { op, left, right } => {
                format!("({} {op} {})", shape(left), shape(right))
            }
            ExprKind::Call {
                module,
                function,
                args,
            } => {
                let args: Vec<String> = args.iter().map(shape).collect();
                format!("{module}.{function}({})", args.join(", "))
            }
            ExprKind::Str(text) => format!("{text:?}"),
            ExprKind::Var(name) => name.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn operators_bind_as_in_elixir() {
        let statements = parse(r#"x = a || b == "t" |> f() && c"#);
        let [Stmt::Assign { value, .. }] = statements.as_slice() else {
            panic!("expected one assignment");
        };
        assert_eq!(shape(value), r#"(a || ((b == ("t" |> .f())) && c))"#);
    }

    #[test]
    fn config_arguments_gather_trailing_keywords() {
        let statements = parse("import Config\nconfig :app, :k, 1\nconfig(:app, a: 1, b: [c: 2],)");
        assert_eq!(
            statements[0],
            Stmt::Import {
                module: "Config".into(),
                line: 1
            }
        );
        let Stmt::Config { args, line: 3 } = &statements[2] else {
            panic!("expected config on line 3: {statements:?}");
        };
        let [_, Expr {
            kind: ExprKind::Keywords(entries),
            ..
        }] = args.as_slice()
        else {
            panic!("expected one keyword list: {args:?}");
        };
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
        assert!(matches!(entries[1].value.kind, ExprKind::Keywords(_)));
    }
}
