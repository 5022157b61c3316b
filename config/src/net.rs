//! Addresses in the configuration: IP whitelists, source-address patterns, the core's URL and
//! host names.

use ipnet::IpNet;
use std::fmt;
use std::net::IpAddr;

/// The parsed `ip_whitelist` of a server bind: IPv4/IPv6 networks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpWhitelist {
    networks: Vec<IpNet>,
}

/// One parsed `ip_whitelist` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WhitelistEntry {
    /// The network, with host bits cleared.
    pub network: IpNet,
    /// Whether the entry as written had host bits set (`10.1.2.3/24`).
    pub had_host_bits: bool,
}

impl IpWhitelist {
    /// A whitelist of the given networks.
    pub fn new(networks: Vec<IpNet>) -> Self {
        IpWhitelist { networks }
    }

    /// Parses one entry: an IP address (meaning /32 or /128) or a CIDR network.
    pub fn parse_entry(text: &str) -> Result<WhitelistEntry, String> {
        let trimmed = text.trim();
        let network = match trimmed.split_once('/') {
            Some((address, prefix)) => {
                let address: IpAddr = address
                    .parse()
                    .map_err(|_| format!("{text:?} is not an IP address or CIDR network"))?;
                let prefix: u8 = prefix
                    .parse()
                    .map_err(|_| format!("{text:?} has an invalid prefix length {prefix:?}"))?;
                IpNet::new(address, prefix).map_err(|_| {
                    let max = if address.is_ipv4() { 32 } else { 128 };
                    format!("{text:?} has prefix length {prefix}, above the maximum {max}")
                })?
            }
            None => IpNet::from(
                trimmed
                    .parse::<IpAddr>()
                    .map_err(|_| format!("{text:?} is not an IP address or CIDR network"))?,
            ),
        };
        let truncated = network.trunc();
        Ok(WhitelistEntry {
            network: truncated,
            had_host_bits: truncated != network,
        })
    }

    /// The networks (empty means any address is allowed).
    pub fn networks(&self) -> &[IpNet] {
        &self.networks
    }

    /// Whether no networks are listed.
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    /// Whether `address` is inside one of the networks. An IPv4-mapped IPv6 address
    /// (`::ffff:10.0.0.1`, what a dual-stack listener reports) is checked as the IPv4 address too.
    pub fn contains(&self, address: IpAddr) -> bool {
        let mapped = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.networks.iter().any(|network| {
            network.contains(&address) || mapped.is_some_and(|v4| network.contains(&v4))
        })
    }

    /// Whether a connection from `address` may bind: the whitelist is empty (any address) or
    /// contains it.
    pub fn allows(&self, address: IpAddr) -> bool {
        self.is_empty() || self.contains(address)
    }
}

/// One `source_address_whitelist` pattern: an exact address (`MyBrand`, `+61400000001`) or a
/// prefix ending in `*` (`614*`). A leading `+` is ignored on both sides when matching, so
/// `+614*` and `614*` both match `61412345678` and `+61412345678`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePattern {
    written: String,
    body: String,
    prefix: bool,
}

/// Longest `source_addr` in SMPP 3.4 (21 octets with the terminating NUL).
const MAX_SOURCE_ADDR_LEN: usize = 20;

impl SourcePattern {
    /// Parses a pattern.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("an empty pattern matches nothing; remove it".to_owned());
        }
        if text.trim() != text {
            return Err(format!("{text:?} has leading or trailing spaces"));
        }
        if text.chars().any(|c| c.is_control()) {
            return Err(format!("{text:?} contains control characters"));
        }
        let (without_star, prefix) = match text.strip_suffix('*') {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        if without_star.contains('*') {
            return Err(format!(
                "{text:?}: `*` is only allowed at the end (a prefix pattern like \"614*\")"
            ));
        }
        let body = without_star.strip_prefix('+').unwrap_or(without_star);
        if body.chars().count() > MAX_SOURCE_ADDR_LEN {
            return Err(format!(
                "{text:?} is longer than a source_addr can be ({MAX_SOURCE_ADDR_LEN} characters)"
            ));
        }
        Ok(SourcePattern {
            written: text.to_owned(),
            body: body.to_owned(),
            prefix,
        })
    }

    /// The pattern as written in the configuration.
    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// Whether this is a prefix pattern (`614*`) rather than an exact value.
    pub fn is_prefix(&self) -> bool {
        self.prefix
    }

    /// Whether `source_addr` matches this pattern.
    pub fn matches(&self, source_addr: &str) -> bool {
        let address = source_addr.strip_prefix('+').unwrap_or(source_addr);
        if self.prefix {
            address.starts_with(self.body.as_str())
        } else {
            address == self.body
        }
    }
}

impl fmt::Display for SourcePattern {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.written)
    }
}

/// The parsed `source_address_whitelist` of a server bind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceAddressWhitelist {
    patterns: Vec<SourcePattern>,
}

impl SourceAddressWhitelist {
    /// A whitelist of the given patterns.
    pub fn new(patterns: Vec<SourcePattern>) -> Self {
        SourceAddressWhitelist { patterns }
    }

    /// The patterns (empty means any source address is allowed).
    pub fn patterns(&self) -> &[SourcePattern] {
        &self.patterns
    }

    /// Whether no patterns are listed.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether a submit with this `source_addr` is accepted: the list is empty or a pattern
    /// matches.
    pub fn allows(&self, source_addr: &str) -> bool {
        self.is_empty()
            || self
                .patterns
                .iter()
                .any(|pattern| pattern.matches(source_addr))
    }
}

/// The core's base URL, checked and without a trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiBaseUrl {
    url: String,
    https: bool,
    host: String,
    port: u16,
}

impl ApiBaseUrl {
    /// Parses an `http://` or `https://` URL with a host, an optional port and an optional path.
    pub fn parse(text: &str) -> Result<Self, String> {
        // First, and without repeating the URL: every later message quotes it, and a password
        // in it would end up in the journal.
        let after_scheme = text.split_once("://").map_or(text, |(_, rest)| rest);
        let authority_end = after_scheme
            .find(['/', '?', '#'])
            .unwrap_or(after_scheme.len());
        if after_scheme
            .get(..authority_end)
            .unwrap_or("")
            .contains('@')
        {
            return Err(
                "user credentials (user:password@) in the URL are not supported; \
                        remove them (the URL is not shown here, it holds a password)"
                    .to_owned(),
            );
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("{text:?} contains spaces or control characters"));
        }
        let lower = text.to_ascii_lowercase();
        let (https, rest) = if lower.starts_with("https://") {
            (true, text.get("https://".len()..).unwrap_or(""))
        } else if lower.starts_with("http://") {
            (false, text.get("http://".len()..).unwrap_or(""))
        } else {
            return Err(format!("{text:?} is not an http:// or https:// URL"));
        };
        if text.contains('?') || text.contains('#') {
            return Err(format!(
                "{text:?}: a base URL cannot have a query or fragment"
            ));
        }
        let (authority, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, ""),
        };
        let (host, port) = split_host_port(authority).map_err(|why| format!("{text:?}: {why}"))?;
        let port = port.unwrap_or(if https { 443 } else { 80 });
        let scheme = if https { "https" } else { "http" };
        let path = path.trim_end_matches('/');
        Ok(ApiBaseUrl {
            url: format!("{scheme}://{authority}{path}"),
            https,
            host: host.to_owned(),
            port,
        })
    }

    /// The URL without a trailing `/` (append `/api/...`).
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// Whether the scheme is https.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host (an IPv6 address without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl fmt::Display for ApiBaseUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.url)
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port_text) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (inside, after) = bracketed
            .split_once(']')
            .ok_or_else(|| "unclosed `[` in the host".to_owned())?;
        if inside.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("{inside:?} is not an IPv6 address"));
        }
        let port_text = match after {
            "" => None,
            other => Some(
                other
                    .strip_prefix(':')
                    .ok_or_else(|| format!("unexpected {other:?} after the host"))?,
            ),
        };
        (inside, port_text)
    } else {
        let (host, port_text) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        check_host(host)?;
        (host, port_text)
    };
    let port = match port_text {
        None => None,
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => return Err(format!("{text:?} is not a port number 1-65535")),
        },
    };
    Ok((host, port))
}

/// Checks a host name or IP address (as given for a carrier's SMSC).
pub(crate) fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("the host is empty".to_owned());
    }
    if host.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    if name.len() > 253 {
        return Err(format!("host name {host:?} is longer than 253 characters"));
    }
    for label in name.split('.') {
        let valid = !label.is_empty()
            && label.len() <= 63
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !valid {
            return Err(format!("{host:?} is not a valid host name or IP address"));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn whitelist(entries: &[&str]) -> IpWhitelist {
        IpWhitelist::new(
            entries
                .iter()
                .map(|entry| IpWhitelist::parse_entry(entry).unwrap().network)
                .collect(),
        )
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn bare_ipv4_means_a_single_host() {
        let list = whitelist(&["10.50.1.100"]);
        assert_eq!(list.networks()[0].to_string(), "10.50.1.100/32");
        assert!(list.contains(ip("10.50.1.100")));
        assert!(!list.contains(ip("10.50.1.101")));
    }

    #[test]
    fn bare_ipv6_means_a_single_host() {
        let list = whitelist(&["2001:db8::1"]);
        assert_eq!(list.networks()[0].to_string(), "2001:db8::1/128");
        assert!(list.contains(ip("2001:db8::1")));
        assert!(!list.contains(ip("2001:db8::2")));
    }

    #[test]
    fn cidr_networks_cover_their_range() {
        let list = whitelist(&["192.168.1.0/24", "2001:db8:1::/48"]);
        assert!(list.contains(ip("192.168.1.0")));
        assert!(list.contains(ip("192.168.1.255")));
        assert!(!list.contains(ip("192.168.2.1")));
        assert!(list.contains(ip("2001:db8:1:ffff::9")));
        assert!(!list.contains(ip("2001:db8:2::1")));
    }

    #[test]
    fn ipv4_mapped_ipv6_peers_match_ipv4_entries() {
        let list = whitelist(&["203.0.113.0/24"]);
        assert!(list.contains(ip("::ffff:203.0.113.7")));
        assert!(!list.contains(ip("::ffff:198.51.100.7")));
    }

    #[test]
    fn empty_whitelist_allows_everyone_but_contains_nobody() {
        let list = IpWhitelist::default();
        assert!(list.allows(ip("198.51.100.1")));
        assert!(!list.contains(ip("198.51.100.1")));
        assert!(!whitelist(&["10.0.0.1"]).allows(ip("10.0.0.2")));
    }

    #[test]
    fn host_bits_are_cleared_and_reported() {
        let entry = IpWhitelist::parse_entry("10.50.1.100/24").unwrap();
        assert!(entry.had_host_bits);
        assert_eq!(entry.network.to_string(), "10.50.1.0/24");
        assert!(
            !IpWhitelist::parse_entry("10.50.1.0/24")
                .unwrap()
                .had_host_bits
        );
    }

    #[test]
    fn bad_entries_are_rejected() {
        for bad in [
            "",
            "10.0.0",
            "10.0.0.256",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/x",
            "host",
        ] {
            assert!(IpWhitelist::parse_entry(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn source_patterns_match_exactly_or_by_prefix() {
        let brand = SourcePattern::parse("MyBrand").unwrap();
        assert!(brand.matches("MyBrand"));
        assert!(!brand.matches("MyBrand2"));
        assert!(!brand.matches("mybrand"));
        let prefix = SourcePattern::parse("614*").unwrap();
        assert!(prefix.is_prefix());
        assert!(prefix.matches("61412345678"));
        assert!(prefix.matches("+61412345678"));
        assert!(!prefix.matches("61512345678"));
        let international = SourcePattern::parse("+61400000001").unwrap();
        assert!(international.matches("61400000001"));
        assert!(international.matches("+61400000001"));
        assert!(!international.matches("61400000002"));
        assert_eq!(international.to_string(), "+61400000001");
    }

    #[test]
    fn source_whitelist_allows_listed_sources_only() {
        let list = SourceAddressWhitelist::new(vec![
            SourcePattern::parse("MyBrand").unwrap(),
            SourcePattern::parse("614*").unwrap(),
        ]);
        assert!(list.allows("MyBrand"));
        assert!(list.allows("61400000009"));
        assert!(!list.allows("AcmeCorp"));
        assert!(SourceAddressWhitelist::default().allows("anything"));
    }

    #[test]
    fn bad_source_patterns_are_rejected() {
        for bad in [
            "",
            " MyBrand",
            "61*4",
            "**",
            "123456789012345678901",
            "a\u{0}b",
        ] {
            assert!(SourcePattern::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(SourcePattern::parse("12345678901234567890").is_ok());
        assert!(SourcePattern::parse("*").unwrap().matches("anything"));
    }

    #[test]
    fn api_urls_are_parsed() {
        let url = ApiBaseUrl::parse("https://omnimessage-core.example.com:8443/").unwrap();
        assert_eq!(url.as_str(), "https://omnimessage-core.example.com:8443");
        assert!(url.is_https());
        assert_eq!(url.host(), "omnimessage-core.example.com");
        assert_eq!(url.port(), 8443);
        let plain = ApiBaseUrl::parse("http://192.168.1.100:8080/core/").unwrap();
        assert_eq!(plain.as_str(), "http://192.168.1.100:8080/core");
        assert!(!plain.is_https());
        assert_eq!(ApiBaseUrl::parse("https://core").unwrap().port(), 443);
        assert_eq!(ApiBaseUrl::parse("http://core").unwrap().port(), 80);
        let v6 = ApiBaseUrl::parse("http://[::1]:18080").unwrap();
        assert_eq!((v6.host(), v6.port()), ("::1", 18080));
    }

    #[test]
    fn bad_api_urls_are_rejected() {
        for bad in [
            "",
            "core.example.com",
            "ftp://core",
            "https://",
            "https://:8443",
            "https://core:0",
            "https://core:99999",
            "https://core:port",
            "https://core host",
            "https://user:pw@core",
            "https://core/?x=1",
            "https://[::1",
            "https://[zz]:1",
            "https://bad_-.-host",
        ] {
            assert!(ApiBaseUrl::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_password_in_the_url_is_never_repeated() {
        for bad in [
            "https://gw:s3cret@core:8443",
            "http://gw:s3cret@core/api?x=1",
            "https://gw:s3cret@core x",
            "gw:s3cret@core",
        ] {
            let error = ApiBaseUrl::parse(bad).unwrap_err();
            assert!(error.contains("user credentials"), "{bad:?}: {error}");
            assert!(!error.contains("s3cret"), "{bad:?}: {error}");
        }
        // An @ in the path is not a credential.
        assert!(ApiBaseUrl::parse("https://core/@api").is_ok());
    }

    #[test]
    fn host_names_are_checked() {
        for good in [
            "smpp.vodafone.co.uk",
            "10.20.30.40",
            "::1",
            "smpp-primary.carrier.net",
            "a.",
        ] {
            assert!(check_host(good).is_ok(), "{good}");
        }
        for bad in ["", "-smpp.x", "smpp..x", "smpp x", "smpp/x", "smpp:2775"] {
            assert!(check_host(bad).is_err(), "{bad:?}");
        }
    }
}
