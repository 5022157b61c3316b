//! Evaluation of the expressions a `runtime.exs` uses, and their rendering as TOML values.

use super::parser::{Entry, Expr, ExprKind};
use crate::keys::ValueKind;
use std::collections::HashMap;

/// The value of an expression, as far as it can be known without running Elixir.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Atom(String),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    List(Vec<Value>),
    /// A map or keyword list.
    Map(Vec<Field>),
    Tuple(Vec<Value>),
    /// Read from an environment variable at run time; `default` is used when it is unset.
    Env {
        var: String,
        default: Option<Box<Value>>,
    },
    /// Something that cannot be known before run time (the description says what).
    Opaque(String),
}

/// One key of a map or keyword list.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Field {
    pub(super) key: String,
    pub(super) line: u32,
    pub(super) value: Value,
}

/// Variables assigned so far (`host = System.get_env("HOST", "0.0.0.0")`).
pub(super) type Variables = HashMap<String, Value>;

pub(super) fn eval(expr: &Expr, vars: &Variables) -> Value {
    match &expr.kind {
        ExprKind::Atom(name) => Value::Atom(name.clone()),
        ExprKind::Str(text) => Value::Str(text.clone()),
        ExprKind::Int(value) => Value::Int(*value),
        ExprKind::Float(value) => Value::Float(*value),
        ExprKind::Bool(value) => Value::Bool(*value),
        ExprKind::Nil => Value::Nil,
        ExprKind::List(items) => Value::List(items.iter().map(|item| eval(item, vars)).collect()),
        ExprKind::Tuple(items) => Value::Tuple(items.iter().map(|item| eval(item, vars)).collect()),
        ExprKind::Keywords(entries) | ExprKind::Map(entries) => Value::Map(fields(entries, vars)),
        ExprKind::Var(name) => vars
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::Opaque(format!("the variable `{name}`, never assigned"))),
        ExprKind::Module(name) => Value::Atom(format!("Elixir.{name}")),
        ExprKind::Call {
            module,
            function,
            args,
        } => {
            let args: Vec<Value> = args.iter().map(|arg| eval(arg, vars)).collect();
            call(module, function, args)
        }
        ExprKind::Binary { op, left, right } => {
            if *op == "|>" {
                return match &right.kind {
                    ExprKind::Call {
                        module,
                        function,
                        args,
                    } => {
                        let mut values = vec![eval(left, vars)];
                        values.extend(args.iter().map(|arg| eval(arg, vars)));
                        call(module, function, values)
                    }
                    _ => Value::Opaque("a `|>` into something that is not a call".to_owned()),
                };
            }
            binary(op, eval(left, vars), eval(right, vars))
        }
    }
}

pub(super) fn fields(entries: &[Entry], vars: &Variables) -> Vec<Field> {
    entries
        .iter()
        .map(|entry| Field {
            key: entry.key.clone(),
            line: entry.line,
            value: eval(&entry.value, vars),
        })
        .collect()
}

fn binary(op: &str, left: Value, right: Value) -> Value {
    match op {
        "||" => match left {
            // `|| raise "..."` (or any fallback known only at run time) adds no default.
            Value::Env { var, default: None } => Value::Env {
                var,
                default: (!matches!(right, Value::Opaque(_))).then(|| Box::new(right)),
            },
            Value::Nil | Value::Bool(false) => right,
            other => other,
        },
        "&&" => match left {
            Value::Nil | Value::Bool(false) => left,
            Value::Env { .. } | Value::Opaque(_) => Value::Opaque("an `&&` expression".to_owned()),
            _ => right,
        },
        "==" | "!=" => {
            let equal = op == "==";
            match (left, right) {
                (Value::Env { var, default }, known) | (known, Value::Env { var, default }) => {
                    Value::Env {
                        var,
                        default: default.map(|d| Box::new(compare(&d, &known, equal))),
                    }
                }
                (left, right) => compare(&left, &right, equal),
            }
        }
        "<>" => match (left, right) {
            (Value::Str(left), Value::Str(right)) => Value::Str(left + &right),
            _ => Value::Opaque("a `<>` of values known only at run time".to_owned()),
        },
        _ => Value::Opaque(format!("the operator `{op}`")),
    }
}

fn compare(left: &Value, right: &Value, equal: bool) -> Value {
    match (left, right) {
        (Value::Opaque(_), _) | (_, Value::Opaque(_)) | (Value::Env { .. }, _) => {
            Value::Opaque("a comparison of values known only at run time".to_owned())
        }
        _ => Value::Bool((left == right) == equal),
    }
}

fn call(module: &str, function: &str, mut args: Vec<Value>) -> Value {
    let name = if module.is_empty() {
        format!("{function}/{}", args.len())
    } else {
        format!("{module}.{function}/{}", args.len())
    };
    match (module, function, args.len()) {
        ("System", "get_env", 1 | 2) | ("System", "fetch_env!", 1) => {
            let default = if args.len() == 2 { args.pop() } else { None };
            match args.pop() {
                Some(Value::Str(var)) => Value::Env {
                    var,
                    default: default.filter(|d| *d != Value::Nil).map(Box::new),
                },
                _ => Value::Opaque(format!(
                    "{name} with a variable name known only at run time"
                )),
            }
        }
        ("String", "to_integer", 1) => map_known(args.pop(), &name, |value| match value {
            Value::Int(value) => Some(Value::Int(value)),
            Value::Str(text) => text.trim().parse().ok().map(Value::Int),
            _ => None,
        }),
        ("String", "to_atom" | "to_existing_atom", 1) => {
            map_known(args.pop(), &name, |value| match value {
                Value::Str(text) => Some(Value::Atom(text)),
                _ => None,
            })
        }
        _ => Value::Opaque(format!("a call to {name}")),
    }
}

/// Applies a conversion function to a known value, or to an environment variable's default.
fn map_known(value: Option<Value>, name: &str, f: impl Fn(Value) -> Option<Value>) -> Value {
    let failed = || Value::Opaque(format!("{name} of a value it cannot convert"));
    match value {
        Some(Value::Env { var, default }) => Value::Env {
            var,
            default: match default {
                Some(default) => match f(*default) {
                    Some(converted) => Some(Box::new(converted)),
                    None => return failed(),
                },
                None => None,
            },
        },
        Some(value @ Value::Opaque(_)) => value,
        Some(value) => f(value).unwrap_or_else(failed),
        None => failed(),
    }
}

/// A short description of a value for notes.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Atom(name) => format!("the atom :{name}"),
        Value::Str(text) => format!("the string {text:?}"),
        Value::Int(value) => format!("the integer {value}"),
        Value::Float(value) => format!("the float {value}"),
        Value::Bool(value) => format!("{value}"),
        Value::Nil => "nil".to_owned(),
        Value::List(_) => "a list".to_owned(),
        Value::Map(_) => "a map".to_owned(),
        Value::Tuple(_) => "a tuple".to_owned(),
        Value::Env { var, .. } => format!("the environment variable {var}"),
        Value::Opaque(what) => what.clone(),
    }
}

/// `value` as a TOML value of the kind a key expects, or `Err` with the natural rendering (if
/// there is one) when it is of another kind.
pub(super) fn to_toml(kind: ValueKind, value: &Value) -> Result<String, Option<String>> {
    let converted = match (kind, value) {
        (ValueKind::Integer, Value::Int(number)) => Some(number.to_string()),
        (ValueKind::Integer, Value::Str(text)) => {
            text.trim().parse::<i64>().ok().map(|n| n.to_string())
        }
        (ValueKind::Boolean, Value::Bool(flag)) => Some(flag.to_string()),
        (ValueKind::Boolean, Value::Str(text)) => match text.trim() {
            "true" => Some("true".to_owned()),
            "false" => Some("false".to_owned()),
            _ => None,
        },
        (
            ValueKind::String
            | ValueKind::Secret
            | ValueKind::Url
            | ValueKind::Path
            | ValueKind::IpAddr,
            Value::Str(text),
        ) => Some(toml_string(text)),
        (ValueKind::Choice(_), Value::Str(text) | Value::Atom(text)) => {
            Some(toml_string(choice_name(text)))
        }
        (ValueKind::ChoiceList(_) | ValueKind::StringList, Value::List(items)) => items
            .iter()
            .map(|item| match item {
                Value::Str(text) | Value::Atom(text) => Some(toml_string(text)),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|items| format!("[{}]", items.join(", "))),
        (ValueKind::AutoOrInteger, Value::Int(number)) => Some(number.to_string()),
        (ValueKind::AutoOrInteger, Value::Str(text) | Value::Atom(text)) if text == "auto" => {
            Some(toml_string("auto"))
        }
        _ => None,
    };
    converted.ok_or_else(|| natural(value))
}

/// This gateway's name for a choice the original spells its own way: Mnesia's table types are
/// the cache storage types, Logger's `:warning` is `warn`.
fn choice_name(name: &str) -> &str {
    match name {
        "disc_copies" => "disc",
        "ram_copies" => "ram",
        "warning" => "warn",
        other => other,
    }
}

/// The TOML closest to an Elixir value, if any.
fn natural(value: &Value) -> Option<String> {
    match value {
        Value::Atom(text) | Value::Str(text) => Some(toml_string(text)),
        Value::Int(number) => Some(number.to_string()),
        Value::Float(number) if number.is_finite() => Some(format!("{number:?}")),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::List(items) => items
            .iter()
            .map(natural)
            .collect::<Option<Vec<_>>>()
            .map(|items| format!("[{}]", items.join(", "))),
        _ => None,
    }
}

/// A TOML basic string.
pub(super) fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Levenshtein distance, for "did you mean" suggestions.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let delete = previous.get(j + 1).copied().unwrap_or(0) + 1;
            let insert = current.get(j).copied().unwrap_or(0) + 1;
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::import::{lexer, parser};

    fn value_of(text: &str) -> Value {
        let tokens = lexer::tokenize(text).unwrap();
        let expr = parser::Parser::new(tokens, (1, 1)).expression().unwrap();
        eval(&expr, &Variables::new())
    }

    fn env(var: &str, default: Option<Value>) -> Value {
        Value::Env {
            var: var.to_owned(),
            default: default.map(Box::new),
        }
    }

    #[test]
    fn environment_lookups_keep_their_default() {
        assert_eq!(value_of(r#"System.get_env("X")"#), env("X", None));
        assert_eq!(
            value_of(r#"System.get_env("X", "a")"#),
            env("X", Some(Value::Str("a".into())))
        );
        assert_eq!(
            value_of(r#"System.get_env("X") || "b""#),
            env("X", Some(Value::Str("b".into())))
        );
        assert_eq!(
            value_of(r#"String.to_integer(System.get_env("P", "2775"))"#),
            env("P", Some(Value::Int(2775)))
        );
        assert_eq!(
            value_of(r#"System.get_env("P", "10") |> String.to_integer()"#),
            env("P", Some(Value::Int(10)))
        );
        assert_eq!(
            value_of(r#"System.get_env("V", "false") == "true""#),
            env("V", Some(Value::Bool(false)))
        );
        assert_eq!(value_of(r#"System.fetch_env!("K")"#), env("K", None));
        assert!(matches!(
            value_of(r#"String.to_integer("abc")"#),
            Value::Opaque(_)
        ));
        assert!(matches!(value_of("File.read!(\"x\")"), Value::Opaque(_)));
        assert_eq!(value_of(r#"nil || "x""#), Value::Str("x".into()));
        assert_eq!(value_of(r#""a" <> "b""#), Value::Str("ab".into()));
    }

    #[test]
    fn values_render_as_the_key_expects() {
        assert_eq!(
            to_toml(ValueKind::Integer, &Value::Str("42".into())),
            Ok("42".into())
        );
        assert_eq!(
            to_toml(ValueKind::Choice(&[]), &Value::Atom("disc_copies".into())),
            Ok("\"disc\"".into())
        );
        assert_eq!(
            to_toml(ValueKind::Integer, &Value::Atom("x".into())),
            Err(Some("\"x\"".into()))
        );
        assert_eq!(
            to_toml(ValueKind::String, &Value::Map(Vec::new())),
            Err(None)
        );
        assert_eq!(toml_string("a\"\\\n\u{1}"), "\"a\\\"\\\\\\n\\u0001\"");
        assert_eq!(edit_distance("smcsc_name", "smsc_name"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
