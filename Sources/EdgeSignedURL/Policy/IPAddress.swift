/// A viewer's address, as the policy's `IpAddress` condition compares it.
///
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, what a dual-stack socket reports for an IPv4
/// client) are stored as the IPv4 address, so a policy written for `192.0.2.0/24` matches them.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6(high: UInt64, low: UInt64)

    /// An address in its usual text form: dotted-quad IPv4 (`192.0.2.1`) or IPv6 with `::`
    /// compression and an optional trailing dotted quad (`2001:db8::1`, `::ffff:192.0.2.1`).
    /// Nil for anything else, including zone identifiers (`fe80::1%eth0`) and brackets.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        if let v4 = IPAddress.parseIPv4(bytes[...]) {
            self = .v4(v4)
        } else if let v6 = IPAddress.parseIPv6(bytes[...]) {
            self.init(v6: v6)
        } else {
            return nil
        }
    }

    /// An address from its network-order bytes: 4 for IPv4, 16 for IPv6 (as `sockaddr_in6`
    /// holds it). Nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        switch array.count {
        case 4:
            self = .v4(array.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let high = array[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = array[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self.init(v6: (high, low))
        default:
            return nil
        }
    }

    private init(v6: (high: UInt64, low: UInt64)) {
        if v6.high == 0, v6.low >> 32 == 0xFFFF {
            self = .v4(UInt32(truncatingIfNeeded: v6.low))
        } else {
            self = .v6(high: v6.high, low: v6.low)
        }
    }

    /// The address as 128 bits, IPv4 as its IPv4-mapped form.
    var asIPv6: (high: UInt64, low: UInt64) {
        switch self {
        case .v4(let address): return (0, 0xFFFF_0000_0000 | UInt64(address))
        case .v6(let high, let low): return (high, low)
        }
    }

    public var description: String {
        switch self {
        case .v4(let address):
            return (0..<4).map { String(address >> (24 - 8 * UInt32($0)) & 0xFF) }.joined(separator: ".")
        case .v6(let high, let low):
            let groups = (0..<8).map { index -> UInt16 in
                let word = index < 4 ? high : low
                return UInt16(truncatingIfNeeded: word >> (48 - 16 * UInt64(index % 4)))
            }
            return groups.map { String($0, radix: 16) }.joined(separator: ":")
        }
    }

    /// Four decimal octets without leading zeros (a leading zero means octal to some parsers, so
    /// the same text could name two addresses).
    static func parseIPv4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var result: UInt32 = 0
        var octets = 0
        var index = bytes.startIndex
        while octets < 4 {
            if octets > 0 {
                guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") else { return nil }
                index += 1
            }
            let start = index
            var value: UInt32 = 0
            while index < bytes.endIndex, index - start < 3, let digit = ASCII.decimalValue(bytes[index]) {
                value = value * 10 + UInt32(digit)
                index += 1
            }
            let length = index - start
            guard length > 0, value <= 255, length == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            result = result << 8 | value
            octets += 1
        }
        return index == bytes.endIndex ? result : nil
    }

    /// RFC 4291 section 2.2 text: eight groups of up to four hex digits, one `::` for a run of
    /// zero groups, and optionally a dotted quad as the last 32 bits.
    static func parseIPv6(_ bytes: ArraySlice<UInt8>) -> (high: UInt64, low: UInt64)? {
        var groups: [UInt16] = []
        var gap: Int? = nil
        var index = bytes.startIndex
        if bytes.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            gap = 0
            index += 2
        }
        while index < bytes.endIndex {
            if groups.count + (gap == nil ? 0 : 1) > 8 { return nil }
            // A dotted quad can only close the address.
            if let v4 = parseIPv4(bytes[index...]), bytes[index...].contains(UInt8(ascii: ".")) {
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                index = bytes.endIndex
                break
            }
            let start = index
            var value: UInt16 = 0
            while index < bytes.endIndex, index - start < 4, let digit = ASCII.hexValue(bytes[index]) {
                value = value << 4 | UInt16(digit)
                index += 1
            }
            guard index > start else { return nil }
            groups.append(value)
            guard index < bytes.endIndex else { break }
            guard bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: ":") {
                guard gap == nil else { return nil }
                gap = groups.count
                index += 1
            } else if index == bytes.endIndex {
                return nil  // a single trailing colon
            }
        }
        if let gap {
            guard groups.count <= 7 else { return nil }
            groups.insert(contentsOf: [UInt16](repeating: 0, count: 8 - groups.count), at: gap)
        }
        guard groups.count == 8 else { return nil }
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }

}

/// The `AWS:SourceIp` value of a custom policy: one address or one CIDR block, IPv4 or IPv6.
public struct IPAddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The network address, host bits cleared.
    public let network: IPAddress
    public let prefixLength: Int

    /// `192.0.2.0/24`, `2001:db8::/32`, or a bare address (as `/32` or `/128`; botocore adds the
    /// `/32` itself, other signers may not). Host bits below the prefix are ignored
    /// (`192.168.0.1/24` is `192.168.0.0/24`), as the AWS SDK for Java's documentation writes it.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        let slash = bytes.firstIndex(of: UInt8(ascii: "/"))
        let addressBytes = bytes[..<(slash ?? bytes.endIndex)]
        guard let address = IPAddress(String(decoding: addressBytes, as: UTF8.self)) else { return nil }
        // A v4 address written in IPv6 form (`::ffff:a.b.c.d/120`) keeps its IPv6 prefix length.
        let writtenAsIPv6 = addressBytes.contains(UInt8(ascii: ":"))
        let maximum = writtenAsIPv6 ? 128 : 32
        var length = maximum
        if let slash {
            let digits = bytes[(slash + 1)...]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ (48...57).contains($0) }),
                digits.count == 1 || digits.first != UInt8(ascii: "0"),
                let parsed = Int(String(decoding: digits, as: UTF8.self)), parsed <= maximum
            else { return nil }
            length = parsed
        }
        if writtenAsIPv6, case .v4 = address, length >= 96 {
            self.init(masking: address, prefixLength: length - 96)
        } else if writtenAsIPv6 {
            let bits = address.asIPv6
            self.init(masking: .v6(high: bits.high, low: bits.low), prefixLength: length)
        } else {
            self.init(masking: address, prefixLength: length)
        }
    }

    private init(masking address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        switch address {
        case .v4(let value):
            network = .v4(value & IPAddressRange.mask32(prefixLength))
        case .v6(let high, let low):
            let masks = IPAddressRange.mask128(prefixLength)
            network = .v6(high: high & masks.high, low: low & masks.low)
        }
    }

    /// Whether `address` lies in the range. An IPv4 viewer matches an IPv6 range only through
    /// its IPv4-mapped form (`::ffff:0:0/96`).
    public func contains(_ address: IPAddress) -> Bool {
        switch (network, address) {
        case (.v4(let base), .v4(let value)):
            return value & IPAddressRange.mask32(prefixLength) == base
        case (.v6(let high, let low), _):
            let bits = address.asIPv6
            let masks = IPAddressRange.mask128(prefixLength)
            return bits.high & masks.high == high && bits.low & masks.low == low
        case (.v4, .v6):
            return false
        }
    }

    public var description: String { "\(network)/\(prefixLength)" }

    private static func mask32(_ length: Int) -> UInt32 {
        length == 0 ? 0 : UInt32.max << UInt32(32 - length)
    }

    private static func mask128(_ length: Int) -> (high: UInt64, low: UInt64) {
        if length <= 64 {
            return (length == 0 ? 0 : UInt64.max << UInt64(64 - length), 0)
        }
        return (UInt64.max, UInt64.max << UInt64(128 - length))
    }
}
