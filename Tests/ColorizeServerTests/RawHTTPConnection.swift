import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to the test server, for requests an HTTP client library will not send
/// (a false `Content-Length`, a foreign `Host`, headers that never end) and for watching the server
/// close an idle connection.
final class RawHTTPConnection {
    let socket: Int32

    /// Connects to 127.0.0.1:`port`; reads give up after `readTimeout` seconds, or wait for as long
    /// as the server takes with 0.
    init(port: Int, readTimeout: Double = 10) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw RawHTTPError.failed("socket") }
        var timeout = timeval(
            tv_sec: Int(readTimeout), tv_usec: Int(readTimeout.truncatingRemainder(dividingBy: 1) * 1e6))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw RawHTTPError.failed("connect to port \(port)")
        }
    }

    deinit { close(socket) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        guard
            bytes.withUnsafeBytes({ Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count
        else { throw RawHTTPError.failed("send") }
    }

    /// Everything the server sends until it has sent a complete response head and `Content-Length`
    /// body, closes the connection, or the read timeout passes.
    func response() -> String { String(decoding: responseBytes(), as: UTF8.self) }

    /// The same as bytes, for binary bodies (an image).
    func responseBytes() -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !Self.isComplete(received) {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += chunk[0..<count]
        }
        return received
    }

    /// A response's head (status line and headers, as text) and body bytes.
    static func split(_ response: [UInt8]) -> (head: String, body: [UInt8]) {
        guard let end = headEnd(response) else { return (String(decoding: response, as: UTF8.self), []) }
        return (String(decoding: response[..<end], as: UTF8.self), Array(response[(end + 4)...]))
    }

    /// Whether the server closed the connection (a read returns end-of-file) before the read timeout.
    func isClosedByServer() -> Bool {
        var byte: UInt8 = 0
        while true {
            let count = recv(socket, &byte, 1, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    /// Where the blank line ending the head starts.
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }
    }

    /// Counted in bytes: a binary body decoded as text would change its length.
    private static func isComplete(_ bytes: [UInt8]) -> Bool {
        guard let end = headEnd(bytes) else { return false }
        let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return true }
        return bytes.count - (end + 4) >= length
    }
}

enum RawHTTPError: Error {
    case failed(String)
}
