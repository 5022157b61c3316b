//! The pages and static files compiled into the binary. Only names in these tables are served,
//! so no request path can reach anything else (`/static/../x` is simply not a name here).
//! Every page is its `<main>` fragment in the one layout (head, header and navigation), so the
//! shared parts are written once.

const LAYOUT_HTML: &str = include_str!("assets/layout.html");
const PEERS_HTML: &str = include_str!("assets/peers.html");

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

/// A page of the navigation.
struct Page {
    /// Where it is served.
    path: &'static str,
    /// Its title and navigation label.
    title: &'static str,
    /// Its script under /static/.
    script: &'static str,
    /// Its `<main>` element.
    main: &'static str,
}

/// Every page, in navigation order.
const PAGES: [Page; 6] = [
    Page {
        path: "/",
        title: "Live Status",
        script: "status.js",
        main: include_str!("assets/status.html"),
    },
    Page {
        path: "/peers/client",
        title: "Client Peers",
        script: "peers.js",
        main: PEERS_HTML,
    },
    Page {
        path: "/peers/server",
        title: "Server Peers",
        script: "peers.js",
        main: PEERS_HTML,
    },
    Page {
        path: "/queue",
        title: "Queue",
        script: "queue.js",
        main: include_str!("assets/queue.html"),
    },
    Page {
        path: "/cache",
        title: "Cache",
        script: "cache.js",
        main: include_str!("assets/cache.html"),
    },
    Page {
        path: "/logs",
        title: "Logs",
        script: "logs.js",
        main: include_str!("assets/logs.html"),
    },
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
    for Page { path, title, .. } in &PAGES {
        let marker = if *path == current {
            " aria-current=\"page\""
        } else {
            ""
        };
        html.push_str(&format!("<a href=\"{path}\"{marker}>{title}</a>"));
    }
    html.push_str("</nav>");
    html
}

/// The page at `path`: its `<main>` in the layout, with the navigation filled in.
pub(crate) fn page(path: &str) -> Option<String> {
    let page = PAGES.iter().find(|page| page.path == path)?;
    let kind = if path == "/peers/server" {
        "server"
    } else {
        "client"
    };
    Some(
        LAYOUT_HTML
            .replace("{{main}}", page.main)
            .replace("{{nav}}", &nav(path))
            .replace("{{title}}", page.title)
            .replace("{{script}}", page.script)
            .replace("{{kind}}", kind),
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
        for Page {
            path,
            title,
            script,
            ..
        } in &PAGES
        {
            assert!(
                static_file(&format!("/static/{script}")).is_some(),
                "{script}"
            );
            let html = page(path).unwrap_or_default();
            assert!(html.contains(&format!("<title>OmniMessage SMPP — {title}</title>")));
            assert_eq!(html.matches("<main").count(), 1, "{path}");
            assert!(
                html.contains(&format!("<a href=\"{path}\" aria-current")),
                "{path}"
            );
            assert!(!html.contains("{{"), "{path} has an unfilled placeholder");
        }
    }
}
