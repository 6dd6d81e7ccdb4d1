/// Whether a URL points at this machine or a private network: the only servers the cost ledger
/// may treat as free without an explicit price.
public enum LocalHost {
    /// True for `localhost`, loopback (127.0.0.0/8, ::1), private IPv4 (10/8, 172.16/12,
    /// 192.168/16), link-local (169.254/16, fe80::/10) and unique-local IPv6 (fc00::/7) hosts,
    /// and `*.local`; false for anything else, including a URL that cannot be read.
    public static func isLocal(url: String) -> Bool {
        guard let schemeEnd = url.firstRange(of: "://") else { return false }
        var authority = Substring(url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host: Substring
        if authority.hasPrefix("[") {
            host = authority.dropFirst().prefix { $0 != "]" }
        } else {
            host = authority.prefix { $0 != ":" }
        }
        host = Substring(host.lowercased())
        if host == "localhost" || host.hasSuffix(".localhost") || host.hasSuffix(".local") { return true }
        if host.contains(":") {
            return host == "::1" || host.hasPrefix("fc") || host.hasPrefix("fd") || host.hasPrefix("fe8") || host.hasPrefix("fe9")
                || host.hasPrefix("fea") || host.hasPrefix("feb")
        }
        let octets = host.split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return false }
        switch (octets[0], octets[1]) {
        case (127, _), (10, _), (192, 168), (169, 254): return true
        case (172, 16...31): return true
        default: return false
        }
    }
}
