/// Sends one blocking request with libcurl. Call it only on the credentials fetch queue.
enum CredentialsHTTPClient {
    static func send(_ request: CredentialsHTTPRequest) throws(CredentialsHTTPError) -> CredentialsHTTPResponse {
        try CredentialsCurlTransfer().perform(request)
    }
}
