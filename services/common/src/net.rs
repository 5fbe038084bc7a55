//! Client addresses as rate limits count them.

use std::net::{IpAddr, Ipv6Addr};

/// The block an address is counted in: an IPv4 address itself (an
/// IPv4-mapped IPv6 address too, as its IPv4 address), an IPv6 address's
/// /64 (one subscriber's share, which can hold any number of addresses).
/// The gateway's buckets and auth's sign-in counts both key by it, so the
/// two agree on what one client is.
pub fn address_block(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX)))
        }
        ip => ip.to_canonical(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_address_is_its_64_and_an_ipv4_one_itself() {
        let block = |text: &str| address_block(text.parse().unwrap());
        assert_eq!(block("2001:db8:1:2:aaaa::1"), block("2001:db8:1:2:ffff::9"));
        assert_eq!(block("2001:db8:1:2::9").to_string(), "2001:db8:1:2::");
        assert_ne!(block("2001:db8:1:2::9"), block("2001:db8:1:3::9"));
        assert_eq!(block("::ffff:10.0.0.7").to_string(), "10.0.0.7");
        assert_eq!(block("10.0.0.7").to_string(), "10.0.0.7");
    }
}
