import Glibc
import Support

/// A set of IP addresses and CIDR ranges (IPv4 and IPv6), matched on the address bytes, so
/// `::ffff:52.89.214.238` matches `52.89.214.238` and `2001:DB8::1` matches `2001:db8::1`.
public struct AddressSet: Sendable, Equatable {
    struct Range: Sendable, Equatable {
        var bytes: [UInt8]
        var prefixLength: Int
    }

    var ranges: [Range]

    /// The set with no address in it.
    public static let empty = AddressSet(ranges: [])

    /// Named groups an entry may name instead of an address.
    public static let presets: [String: [String]] = [
        // TradingView's published webhook sender addresses.
        "tradingview": ["52.89.214.238", "34.212.75.30", "54.218.53.128", "52.32.178.7"],
    ]

    /// Parses a comma-separated list of addresses (`52.89.214.238`, `2001:db8::1`), ranges
    /// (`10.0.0.0/8`, `2001:db8::/32`) and presets (`tradingview`); nil with the bad entry when one
    /// is not any of these.
    public static func parse(_ text: String) -> Result<AddressSet, AddressSetError> {
        var ranges: [Range] = []
        for rawEntry in text.split(separator: ",") {
            let entry = String(rawEntry).trimmed()
            guard !entry.isEmpty else { continue }
            if let preset = presets[entry.lowercased()] {
                ranges += preset.compactMap { parseRange($0) }
                continue
            }
            guard let range = parseRange(entry) else { return .failure(AddressSetError(entry: entry)) }
            ranges.append(range)
        }
        return .success(AddressSet(ranges: ranges))
    }

    /// True when `address` (IPv4 or IPv6 text, as a socket peer or `X-Forwarded-For` gives it) is in the set.
    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.addressBytes(address) else { return false }
        return ranges.contains { range in
            guard range.bytes.count == bytes.count else { return false }
            var remaining = range.prefixLength
            for (mine, theirs) in zip(range.bytes, bytes) where remaining > 0 {
                let bits = min(8, remaining)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if mine & mask != theirs & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    static func parseRange(_ entry: String) -> Range? {
        let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
        guard let bytes = addressBytes(parts[0]) else { return nil }
        var prefix = bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...bytes.count * 8).contains(length) else { return nil }
            prefix = length
        }
        return Range(bytes: bytes, prefixLength: prefix)
    }

    /// 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; nil when `text` is not an address.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }
}

/// An entry of an address list that is neither an address, a range nor a preset.
public struct AddressSetError: Error, Sendable, CustomStringConvertible {
    public var entry: String
    public var description: String { "\"\(entry)\" is not an IP address, a CIDR range or a preset (\(AddressSet.presets.keys.sorted().joined(separator: ", ")))" }
}

extension HTTPRequest {
    /// The address of the client: the socket peer, or, when the peer is one of `trustedProxies`,
    /// the right-most `X-Forwarded-For` entry that is not itself a trusted proxy (entries left of
    /// it were written by the client and prove nothing). A forwarded request whose header holds no
    /// usable address is attributed to the proxy.
    public func clientAddress(trustedProxies: AddressSet) -> String {
        guard trustedProxies.contains(remoteAddress) else { return remoteAddress }
        let forwarded = headers.filter { $0.name == "x-forwarded-for" }.flatMap { $0.value.split(separator: ",") }
            .map { String($0).trimmed() }
        for address in forwarded.reversed() {
            guard AddressSet.addressBytes(address) != nil else { return remoteAddress }
            if !trustedProxies.contains(address) { return address }
        }
        return remoteAddress
    }

    /// True when the request carries a header that a proxy adds (`Forwarded`, `X-Forwarded-*`,
    /// `X-Real-IP`): a loopback peer then may be relaying someone else.
    public var isForwarded: Bool {
        headers.contains { $0.name == "forwarded" || $0.name == "x-real-ip" || $0.name.hasPrefix("x-forwarded-") }
    }
}
