/// An AWS access key pair, with the session token that temporary (STS, instance-role) credentials
/// carry.
///
/// Printing, `dump`, and string interpolation show only the access key ID: the secret and the
/// token print as `****`, so credentials can appear in logs and test failures without leaking.
public struct SigV4Credentials: Sendable, Equatable {
    /// The public half, e.g. `AKIAIOSFODNN7EXAMPLE`; it appears in every signed request.
    public var accessKeyID: String
    /// The secret half; only the signing-key derivation reads it.
    public var secretAccessKey: String
    /// Present for temporary credentials. Signed requests then carry it as
    /// `x-amz-security-token` (header form) or `X-Amz-Security-Token` (presigned form).
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

extension SigV4Credentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `AKIDEXAMPLE/****`, plus ` (session token ****)` for temporary credentials.
    public var description: String {
        "\(accessKeyID)/****" + (sessionToken == nil ? "" : " (session token ****)")
    }

    public var debugDescription: String { "SigV4Credentials(\(description))" }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": accessKeyID,
                "secretAccessKey": "****",
                "sessionToken": sessionToken == nil ? "none" : "****",
            ],
            displayStyle: .struct
        )
    }
}
