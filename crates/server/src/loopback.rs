//! Where deliveries may go. By default only to this machine's loopback: a webhook pointed at
//! `https://example.com/...` (as in every README example) must not make a test suite reach
//! the internet. `localhost` counts, and the delivery client pins it to loopback, so no DNS
//! answer can send it elsewhere.

use exa_webhooks_core::validation;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

/// The names the delivery client resolves itself, to these addresses (the URL's port is
/// used; 0 here is a placeholder).
pub const LOCALHOST_NAMES: [&str; 2] = ["localhost", "localhost."];
pub const LOCALHOST_ADDRS: [SocketAddr; 2] = [
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
    SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
];

/// Whether a delivery to `url`'s host stays on this machine: the client's own loopback rule
/// (127.0.0.0/8, `::1`, `localhost`), plus IPv4-mapped loopback (`::ffff:127.0.0.1` is
/// 127.0.0.1 to the kernel) and `localhost.`. Not `0.0.0.0` nor other names that may resolve
/// here (`*.localhost`, the machine's own name): those go through DNS or are not loopback.
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host() else {
        return false;
    };
    validation::is_loopback(&host)
        || match host {
            Host::Ipv6(ip) => ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
            Host::Domain(name) => name.eq_ignore_ascii_case("localhost."),
            Host::Ipv4(_) => false,
        }
}

/// The delivery decision: `Err(host)` (as the URL spells it) when it may not be tried.
pub fn check(url: &Url, any_host: bool) -> Result<(), String> {
    if any_host || is_loopback(url) {
        Ok(())
    } else {
        Err(url.host_str().unwrap_or("(no host)").to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(url: &str) -> bool {
        check(&Url::parse(url).unwrap(), false).is_ok()
    }

    #[test]
    fn loopback_only_by_default() {
        for url in [
            "http://127.0.0.1:8000/h",
            "http://127.1.2.3/h",
            "https://127.255.255.254/h",
            "http://[::1]:9/h",
            "http://[::ffff:127.0.0.1]:9/h",
            "http://localhost:8080/h",
            "http://LOCALHOST/h",
            "http://localhost./h",
            // WHATWG parsing makes these 127.0.0.1 before anything connects.
            "http://0x7f.1/h",
            "http://2130706433/h",
        ] {
            assert!(allowed(url), "{url}");
        }
        for url in [
            "https://example.com/hooks/exa",
            "http://10.0.0.1/h",
            "http://192.0.2.1:8080/h",
            "http://0.0.0.0:8000/h",
            "http://[::]:8000/h",
            "http://[2001:db8::1]/h",
            "http://128.0.0.1/h",
            "http://app.localhost/h",
            "http://localhost.example.com/h",
            "http://127.0.0.1.nip.io/h",
        ] {
            assert!(!allowed(url), "{url}");
        }
    }

    #[test]
    fn any_host_when_asked() {
        let url = Url::parse("https://example.com/h").unwrap();
        assert_eq!(check(&url, false), Err("example.com".into()));
        assert_eq!(check(&url, true), Ok(()));
        let v6 = Url::parse("http://[2001:db8::1]:80/h").unwrap();
        assert_eq!(check(&v6, false), Err("[2001:db8::1]".into()));
    }
}
