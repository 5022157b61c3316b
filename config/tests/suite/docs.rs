//! docs/CONFIGURATION.md documents every key exactly as the schema table defines it.

use smpp_config::keys::{markdown_table, Section, KEYS};
use std::path::PathBuf;

fn doc() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/CONFIGURATION.md");
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn every_key_has_its_row_in_the_documentation() {
    let doc = doc();
    let missing: Vec<String> = KEYS
        .iter()
        .map(|key| key.markdown_row())
        .filter(|row| !doc.contains(row.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/CONFIGURATION.md lacks (or has stale) rows; expected exactly:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_section_table_is_in_the_documentation() {
    let doc = doc();
    for section in Section::ALL {
        let table = markdown_table(section);
        assert!(
            doc.contains(&table),
            "section {} table differs; expected:\n{table}",
            section.header()
        );
    }
}

#[test]
fn the_readme_carries_the_same_tables() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    for section in Section::ALL {
        let table = markdown_table(section);
        assert!(
            readme.contains(&table),
            "README.md's table of {} differs from the schema; expected:\n{table}",
            section.header()
        );
    }
}

#[test]
fn every_environment_variable_is_documented() {
    let doc = doc();
    for key in KEYS {
        for var in key.env {
            assert!(doc.contains(&format!("`{var}`")), "{var} is not documented");
        }
    }
}

#[test]
fn keys_are_unique_within_their_section() {
    for (index, key) in KEYS.iter().enumerate() {
        let duplicate = KEYS
            .iter()
            .skip(index + 1)
            .any(|other| other.section == key.section && other.name == key.name);
        assert!(
            !duplicate,
            "{} is listed twice in {}",
            key.name,
            key.section.header()
        );
    }
}

/// Prints the tables for docs/CONFIGURATION.md: `cargo test -p smpp-config --test suite
/// print_tables -- --ignored --nocapture`.
#[test]
#[ignore]
fn print_tables() {
    for section in Section::ALL {
        println!("### {}\n\n{}", section.header(), markdown_table(section));
    }
}

#[test]
fn documented_toml_examples_are_valid() {
    let doc = doc();
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default())
        .collect();
    assert!(
        blocks.len() >= 5,
        "only {} toml examples found",
        blocks.len()
    );
    for block in blocks {
        let env = |name: &str| (name == "API_BASE_URL").then(|| "https://core".to_owned());
        if let Err(error) = smpp_config::Config::from_toml_str_with_env(block, &env) {
            panic!("documented example is invalid: {error}\n{block}");
        }
    }
}
