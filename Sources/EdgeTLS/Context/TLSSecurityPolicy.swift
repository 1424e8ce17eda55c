/// A named cipher and protocol preset, named and defined like CloudFront's viewer security policies
/// so operators can carry their CloudFront choice over unchanged.
///
/// Cipher strings are OpenSSL's own, the ones nginx and HAProxy operators already know.
public struct TLSSecurityPolicy: Sendable, Equatable {
    public var name: String
    /// The lowest protocol version the policy allows.
    public var minimumVersion: TLSProtocol
    /// OpenSSL cipher list for TLS 1.2 (`SSL_CTX_set_cipher_list`).
    public var cipherList: String
    /// OpenSSL TLS 1.3 suites (`SSL_CTX_set_ciphersuites`).
    public var cipherSuites: String

    static let tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    /// CloudFront's `TLSv1.2_2021`: TLS 1.2+ with ECDHE key exchange and AEAD ciphers only.
    public static let tls12_2021 = TLSSecurityPolicy(
        name: "TLSv1.2_2021",
        minimumVersion: .tls12,
        cipherList: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
            + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
            + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
        cipherSuites: tls13Suites
    )

    /// CloudFront's `TLSv1.2_2019`: as 2021 plus the ECDHE CBC-SHA2 suites older clients need.
    public static let tls12_2019 = TLSSecurityPolicy(
        name: "TLSv1.2_2019",
        minimumVersion: .tls12,
        cipherList: tls12_2021.cipherList
            + ":ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:"
            + "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384",
        cipherSuites: tls13Suites
    )

    /// `TLSv1.3_2025`: TLS 1.3 only.
    public static let tls13_2025 = TLSSecurityPolicy(
        name: "TLSv1.3_2025",
        minimumVersion: .tls13,
        cipherList: tls12_2021.cipherList,
        cipherSuites: tls13Suites
    )

    public static let all: [TLSSecurityPolicy] = [tls12_2021, tls12_2019, tls13_2025]

    public static func named(_ name: String) -> TLSSecurityPolicy? {
        all.first { $0.name == name }
    }
}

/// TLS protocol versions s3edge can accept; anything older is never offered.
public enum TLSProtocol: Int, Sendable, Comparable, CustomStringConvertible {
    case tls12 = 12
    case tls13 = 13

    public static func < (lhs: TLSProtocol, rhs: TLSProtocol) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { self == .tls12 ? "TLSv1.2" : "TLSv1.3" }
}
