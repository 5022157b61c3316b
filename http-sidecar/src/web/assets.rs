//! The pages and static files compiled into the binary. Only names in these tables are served,
//! so no request path can reach anything else (`/static/../x` is simply not a name here).

const STATUS_HTML: &str = include_str!("assets/status.html");
const PEERS_HTML: &str = include_str!("assets/peers.html");
const QUEUE_HTML: &str = include_str!("assets/queue.html");
const CACHE_HTML: &str = include_str!("assets/cache.html");
const LOGS_HTML: &str = include_str!("assets/logs.html");

const JS: &str = "text/javascript; charset=utf-8";

/// Every static file: its path, content type and contents.
const STATIC_FILES: [(&str, &str, &str); 8] = [
    (
        "/static/app.css",
        "text/css; charset=utf-8",
        include_str!("assets/app.css"),
    ),
    ("/static/common.js", JS, include_str!("assets/common.js")),
    ("/static/status.js", JS, include_str!("assets/status.js")),
    ("/static/peers.js", JS, include_str!("assets/peers.js")),
    ("/static/queue.js", JS, include_str!("assets/queue.js")),
    ("/static/cache.js", JS, include_str!("assets/cache.js")),
    ("/static/logs.js", JS, include_str!("assets/logs.js")),
    (
        "/static/favicon.svg",
        "image/svg+xml",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" \
         height=\"16\" rx=\"3\" fill=\"#1d2330\"/></svg>",
    ),
];

/// The navigation: path and label of each page.
const NAV: [(&str, &str); 6] = [
    ("/", "Live Status"),
    ("/peers/client", "Client Peers"),
    ("/peers/server", "Server Peers"),
    ("/queue", "Queue"),
    ("/cache", "Cache"),
    ("/logs", "Logs"),
];

/// The content type and contents of a static file.
pub(crate) fn static_file(path: &str) -> Option<(&'static str, &'static str)> {
    STATIC_FILES
        .iter()
        .find(|(name, _, _)| *name == path)
        .map(|(_, content_type, body)| (*content_type, *body))
}

fn nav(current: &str) -> String {
    let mut html = String::from("<nav>");
    for (path, label) in NAV {
        let marker = if path == current {
            " aria-current=\"page\""
        } else {
            ""
        };
        html.push_str(&format!("<a href=\"{path}\"{marker}>{label}</a>"));
    }
    html.push_str("</nav>");
    html
}

/// The page at `path`, with its navigation filled in.
pub(crate) fn page(path: &str) -> Option<String> {
    let template = match path {
        "/" => STATUS_HTML,
        "/peers/client" | "/peers/server" => PEERS_HTML,
        "/queue" => QUEUE_HTML,
        "/cache" => CACHE_HTML,
        "/logs" => LOGS_HTML,
        _ => return None,
    };
    let (kind, title) = match path {
        "/peers/server" => ("server", "Server Peers"),
        _ => ("client", "Client Peers"),
    };
    Some(
        template
            .replace("{{nav}}", &nav(path))
            .replace("{{kind}}", kind)
            .replace("{{peers_title}}", title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_files_are_served() {
        assert!(static_file("/static/app.css").is_some());
        assert!(static_file("/static/../Cargo.toml").is_none());
        assert!(static_file("/static/%2e%2e/app.css").is_none());
        assert!(page("/../logs").is_none());
    }

    #[test]
    fn every_page_links_every_page() {
        for (path, _) in NAV {
            let html = page(path).unwrap_or_default();
            assert!(
                html.contains(&format!("<a href=\"{path}\" aria-current")),
                "{path}"
            );
            assert!(!html.contains("{{"), "{path} has an unfilled placeholder");
        }
    }
}
