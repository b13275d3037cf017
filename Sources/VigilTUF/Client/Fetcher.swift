#if canImport(Glibc)
import Glibc
#endif

/// Where the updater gets bytes from. Every fetch has a length limit: a mirror that
/// serves endless data is cut off at `maxLength + 1` bytes, never buffered whole.
public protocol Fetcher {
    func fetch(_ url: String, maxLength: Int) throws(TUFError) -> [UInt8]
}

/// URL escaping as Python's `urllib.parse.quote(s, safe="")`: everything but ASCII
/// letters, digits and `_.-~` percent-encoded, byte by byte of the UTF-8. Role names go
/// into URLs and file names this way, so `../x` can name neither a parent directory nor
/// another path on the server.
public func percentEncoded(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        default:
            let hex = String(b, radix: 16, uppercase: true)
            out += "%" + (hex.count == 1 ? "0" : "") + hex
        }
    }
    return out
}

/// Fetches `http://` URLs over plain HTTP/1.0 (one request per connection, as TUF needs:
/// integrity comes from the metadata, not the transport) and `file://` URLs from the
/// local file system (a repository copied to removable media).
public struct URLFetcher: Fetcher {
    /// Seconds a connection may stay silent before the fetch fails.
    public var timeoutSeconds: Int

    public init(timeoutSeconds: Int = 30) {
        self.timeoutSeconds = timeoutSeconds
    }

    public func fetch(_ url: String, maxLength: Int) throws(TUFError) -> [UInt8] {
        if url.hasPrefix("file://") { return try fetchFile(url, path: String(url.dropFirst(7)), maxLength: maxLength) }
        guard url.hasPrefix("http://") else { throw .download(url: url, reason: "only http:// and file:// URLs are supported") }
        return try fetchHTTP(url, maxLength: maxLength)
    }

    func fetchFile(_ url: String, path rawPath: String, maxLength: Int) throws(TUFError) -> [UInt8] {
        guard let path = percentDecoded(rawPath) else { throw .download(url: url, reason: "bad percent-encoding") }
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw errno == ENOENT ? .httpStatus(url: url, status: 404) : .download(url: url, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        return try readAll(fd, url: url, maxLength: maxLength)
    }

    func readAll(_ fd: Int32, url: String, maxLength: Int) throws(TUFError) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .download(url: url, reason: errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : String(cString: strerror(errno)))
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
            if out.count > maxLength { throw .download(url: url, reason: "more than the \(maxLength)-byte limit") }
        }
    }

    func fetchHTTP(_ url: String, maxLength: Int) throws(TUFError) -> [UInt8] {
        let rest = url.dropFirst(7)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[rest.startIndex..<slash])
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        var host = authority, port = "80"
        if let colon = authority.lastIndex(of: ":") {
            host = String(authority[authority.startIndex..<colon])
            port = String(authority[authority.index(after: colon)...])
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty || path.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw .download(url: url, reason: "not a URL the fetcher can request")
        }

        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, port, &hints, &list)
        guard status == 0, let first = list else { throw .download(url: url, reason: "cannot resolve \(host)") }
        defer { freeaddrinfo(list) }
        var fd: Int32 = -1
        var info: UnsafeMutablePointer<addrinfo>? = first
        while let a = info {
            fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd >= 0 {
                var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { break }
                close(fd)
                fd = -1
            }
            info = a.pointee.ai_next
        }
        if fd < 0 { throw .download(url: url, reason: "cannot connect to \(authority)") }
        defer { close(fd) }

        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(authority)\r\nUser-Agent: vigil-tuf-client\r\nAccept-Encoding: identity\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw .download(url: url, reason: "the request could not be sent") }
            sent += n
        }

        // The head is limited to 64 KiB; the body to maxLength.
        let headLimit = 65_536
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var headEnd: Int?
        var body: [UInt8] = []
        var contentLength: Int?
        var statusCode = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .download(url: url, reason: errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : String(cString: strerror(errno)))
            }
            if n == 0 { break }
            if headEnd == nil {
                data.append(contentsOf: buffer[0..<n])
                if let end = Self.headerEnd(data) {
                    headEnd = end
                    (statusCode, contentLength) = try Self.parseHead(Array(data[0..<end]), url: url)
                    if statusCode != 200 { throw .httpStatus(url: url, status: statusCode) }
                    if let contentLength, contentLength > maxLength {
                        throw .download(url: url, reason: "the server announces \(contentLength) bytes, more than the \(maxLength)-byte limit")
                    }
                    body = Array(data[(end + 4)...])
                    data = []
                } else if data.count > headLimit {
                    throw .download(url: url, reason: "a response head longer than \(headLimit) bytes")
                }
            } else {
                body.append(contentsOf: buffer[0..<n])
            }
            if body.count > maxLength { throw .download(url: url, reason: "more than the \(maxLength)-byte limit") }
            if let contentLength, body.count >= contentLength { break }
        }
        guard headEnd != nil else { throw .download(url: url, reason: "the connection closed before a complete response") }
        if let contentLength {
            if body.count < contentLength { throw .download(url: url, reason: "\(body.count) of \(contentLength) bytes before the connection closed") }
            body.removeLast(body.count - contentLength)
        }
        return body
    }

    static func headerEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 { return i }
        return nil
    }

    static func parseHead(_ head: [UInt8], url: String) throws(TUFError) -> (Int, Int?) {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let code = Int(statusParts[1]) else {
            throw .download(url: url, reason: "not an HTTP response")
        }
        var length: Int?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[line.startIndex..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            if name == "content-length" {
                guard let l = Int(value), l >= 0 else { throw .download(url: url, reason: "a bad Content-Length '\(value)'") }
                length = l
            } else if name == "transfer-encoding" {
                throw .download(url: url, reason: "transfer encoding '\(value)' is not supported")
            }
        }
        return (code, length)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}

/// Inverse of percent-encoding, for `file://` URLs; nil on a bad escape.
func percentDecoded(_ s: String) -> String? {
    var out: [UInt8] = []
    let b = Array(s.utf8)
    var i = 0
    while i < b.count {
        if b[i] == UInt8(ascii: "%") {
            guard i + 2 < b.count, let v = UInt8(String(decoding: b[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) else { return nil }
            out.append(v)
            i += 3
        } else {
            out.append(b[i])
            i += 1
        }
    }
    return String(validating: out, as: UTF8.self)
}
