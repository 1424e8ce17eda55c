import NIOCore

/// Receives one fetch's response, always on the event loop given to `OriginClient.execute`.
///
/// Order: at most one `originDidReceiveHead`, then body parts, then exactly one
/// `originDidFinish`. After a failure nothing else arrives. A body part is never delivered
/// before the head.
///
/// Back-pressure: parts arrive without asking until about
/// `OriginClientConfiguration.bodyBufferLimit` bytes are delivered but not acknowledged; then
/// the transfer pauses (the origin connection stops being read) until the delegate calls
/// `OriginFetch.demandMore()`, which acknowledges every part delivered so far. A delegate that
/// forwards each part and calls `demandMore()` when the viewer's channel is writable again gets
/// end-to-end flow control. Objects smaller than the limit never need a call.
public protocol OriginResponseDelegate: AnyObject {
    /// The final response head (interim `1xx` heads are not passed on). Header names keep the
    /// origin's spelling; repeated headers stay separate entries, in order.
    func originDidReceiveHead(status: Int, headers: [(String, String)])
    func originDidReceiveBodyPart(_ buffer: ByteBuffer)
    /// `.success` only when the whole body arrived (a `Content-Length` was met, or a chunked
    /// body ended properly).
    func originDidFinish(_ result: Result<Void, OriginError>)
}
