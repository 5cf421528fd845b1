//! Webhook rules: endpoint URLs and the addresses they may reach, subscriptions,
//! signatures, and when to try again.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::event::EventType;

/// Longest endpoint URL accepted.
pub const MAX_URL_LEN: usize = 2000;

/// A webhook URL: absolute `http` or `https`, with a host, without credentials or a
/// fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(url::Url);

impl EndpointUrl {
    /// Validates `raw`.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.len() > MAX_URL_LEN {
            return Err("must be at most 2000 characters");
        }
        let url = url::Url::parse(raw.trim()).map_err(|_| "must be an absolute URL")?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("must be an http or https URL");
        }
        if url.host().is_none() {
            return Err("must name a host");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry credentials");
        }
        if url.fragment().is_some() {
            return Err("must not carry a fragment");
        }
        Ok(Self(url))
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host and port to resolve (port defaulted by scheme).
    pub fn host_and_port(&self) -> (String, u16) {
        let host = match self.0.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => String::new(),
        };
        (host, self.0.port_or_known_default().unwrap_or(443))
    }

    /// The host when it is an address literal (no name to resolve).
    pub fn literal_ip(&self) -> Option<IpAddr> {
        match self.0.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        }
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local,
/// shared (CGNAT), unique-local, multicast, documentation, benchmarking, broadcast or
/// unspecified, and no IPv4 address hidden in IPv6 that is one of those.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            is_public_v6(v6)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0064 && ip.segments()[1] == 0xff9b
        || first == 0x2002
        || ip.to_ipv4().is_some_and(|v4| !is_public_v4(v4)) && first == 0)
}

/// The event types an endpoint wants: at least one, each known, without repeats.
pub fn parse_event_types(list: &[String]) -> Result<Vec<EventType>, String> {
    if list.is_empty() {
        return Err("must name at least one event type".into());
    }
    let mut types = Vec::new();
    for name in list {
        let t = EventType::parse_subscribable(name).ok_or_else(|| {
            let known: Vec<&str> = EventType::SUBSCRIBABLE.iter().map(|t| t.as_str()).collect();
            format!("unknown event type {name:?}; known: {}", known.join(", "))
        })?;
        if !types.contains(&t) {
            types.push(t);
        }
    }
    Ok(types)
}

/// The stored form of a subscription: ` a b ` (so `LIKE '% a %'` finds members).
pub fn store_event_types(types: &[EventType]) -> String {
    let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    format!(" {} ", names.join(" "))
}

/// The stored form back as names.
pub fn stored_event_types(stored: &str) -> Vec<String> {
    stored.split_whitespace().map(str::to_owned).collect()
}

/// A new endpoint secret: `whsec_` and 256 random bits in hex.
pub fn generate_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", hex::encode(bytes))
}

/// `Tribune-Signature`: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one `v1` per
/// secret (the current one first, then one that is rotating out).
pub fn signature_header(secrets: &[&str], timestamp: i64, body: &[u8]) -> String {
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        // HMAC takes keys of any length.
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            header.push_str(",v1=");
            header.push_str(&hex::encode(mac.finalize().into_bytes()));
        }
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip(private)), "{private} counted as public");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(public)), "{public} counted as private");
        }
    }

    #[test]
    fn urls_must_be_http_with_a_host_and_no_credentials() {
        assert!(EndpointUrl::parse("https://cms.zeitung.de/hooks/tribune").is_ok());
        assert!(EndpointUrl::parse("http://127.0.0.1:9000/x").is_ok());
        for bad in [
            "ftp://example.org/",
            "/relative",
            "https://user:pw@example.org/",
            "https://example.org/#frag",
            "file:///etc/passwd",
            "",
        ] {
            assert!(EndpointUrl::parse(bad).is_err(), "{bad} accepted");
        }
        let url = EndpointUrl::parse("http://[::1]:8080/x").unwrap();
        assert_eq!(url.literal_ip(), Some(ip("::1")));
        assert_eq!(url.host_and_port(), ("::1".into(), 8080));
        let named = EndpointUrl::parse("https://example.org/").unwrap();
        assert_eq!(named.literal_ip(), None);
        assert_eq!(named.host_and_port(), ("example.org".into(), 443));
    }

    #[test]
    fn event_types_are_known_deduplicated_and_stored_between_spaces() {
        let types = parse_event_types(&[
            "comment.created".into(),
            "user.banned".into(),
            "comment.created".into(),
        ])
        .unwrap();
        assert_eq!(
            types,
            vec![EventType::CommentCreated, EventType::UserBanned]
        );
        let stored = store_event_types(&types);
        assert_eq!(stored, " comment.created user.banned ");
        assert_eq!(
            stored_event_types(&stored),
            ["comment.created", "user.banned"]
        );
        assert!(parse_event_types(&[]).is_err());
        assert!(parse_event_types(&["comment.exploded".into()]).is_err());
        assert!(parse_event_types(&["webhook.test".into()]).is_err());
    }

    #[test]
    fn the_signature_matches_a_known_hmac_and_lists_every_secret() {
        // HMAC-SHA256("key", "1.body") computed independently (Python's hmac module).
        let header = signature_header(&["key"], 1, b"body");
        assert_eq!(
            header,
            "t=1,v1=91b5374b153842ad05b2c4eab9349b8321b14703165bd3fb8b034dfb8be98ae5"
        );
        let rotating = signature_header(&["new", "old"], 5, b"{}");
        assert_eq!(rotating.matches(",v1=").count(), 2);
        assert!(rotating.starts_with("t=5,v1="));
    }
}
