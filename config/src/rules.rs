//! Rules that span several keys: unique names and system_ids, endpoints that would clash.

use crate::binds::{ClientBind, ServerBind};
use crate::checker::{Checker, Scope};
use crate::keys::{client, listen, metrics, server, web, Section};
use crate::settings::{Listen, Metrics, Web};
use std::collections::HashMap;

pub(crate) fn check_unique_names(
    checker: &mut Checker,
    binds: &[ClientBind],
    server_binds: &[ServerBind],
) {
    let mut seen: HashMap<String, String> = HashMap::new();
    let client_names = binds.iter().enumerate().map(|(index, bind)| {
        (
            Scope::bind(Section::Binds, index, Some(&bind.name)),
            &client::NAME,
            &bind.name,
        )
    });
    let server_names = server_binds.iter().enumerate().map(|(index, bind)| {
        (
            Scope::bind(Section::ServerBinds, index, Some(&bind.name)),
            &server::NAME,
            &bind.name,
        )
    });
    for (scope, key, name) in client_names.chain(server_names) {
        if name.is_empty() {
            continue;
        }
        let place = checker.label(&scope, key);
        let place = place.strip_suffix(".name").unwrap_or(&place).to_owned();
        match seen.get(&name.to_ascii_lowercase()) {
            Some(first) => checker.problem(
                &scope,
                key,
                format!(
                    "{name:?} is already used by {first}; bind names must be unique across \
                     [[binds]] and [[server_binds]] (they are the core's dest_smsc)"
                ),
            ),
            None => {
                seen.insert(name.to_ascii_lowercase(), place);
            }
        }
    }
}

pub(crate) fn check_unique_system_ids(checker: &mut Checker, server_binds: &[ServerBind]) {
    let key = &server::SYSTEM_ID;
    let mut seen: HashMap<String, String> = HashMap::new();
    for (index, bind) in server_binds.iter().enumerate() {
        if bind.system_id.is_empty() {
            continue;
        }
        let scope = Scope::bind(Section::ServerBinds, index, Some(&bind.name));
        let lower = bind.system_id.to_ascii_lowercase();
        match seen.get(&lower) {
            Some(first) => checker.problem(
                &scope,
                key,
                format!(
                    "{:?} is already the system_id of {first}; a partner's bind is matched to \
                     its server bind by system_id, so each server bind needs its own",
                    bind.system_id
                ),
            ),
            None => {
                let place = checker.label(&scope, key);
                let place = place
                    .strip_suffix(".system_id")
                    .unwrap_or(&place)
                    .to_owned();
                seen.insert(lower, place);
            }
        }
    }
}

pub(crate) fn check_ports(checker: &mut Checker, listen: &Listen, metrics: &Metrics, web: &Web) {
    let endpoints = [
        (listen.enabled, listen.host, listen.port, &listen::PORT),
        (metrics.enabled, metrics.host, metrics.port, &metrics::PORT),
        (web.enabled, web.host, web.port, &web::PORT),
    ];
    for (later_index, later) in endpoints.iter().enumerate() {
        let clash = endpoints.iter().take(later_index).find(|earlier| {
            earlier.0
                && later.0
                && earlier.2 == later.2
                && (earlier.1 == later.1 || earlier.1.is_unspecified() || later.1.is_unspecified())
        });
        if let Some(earlier) = clash {
            let other = checker.label(&Scope::Table, earlier.3);
            checker.problem(
                &Scope::Table,
                later.3,
                format!(
                    "{} is also the port of {other}; each endpoint needs its own",
                    later.2
                ),
            );
        }
    }
}
