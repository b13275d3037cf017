#if canImport(Glibc)
import Glibc
#endif

/// Local file access for the client and the repository tooling: whole-file reads with a
/// size limit, and atomic replacement (a temporary file in the same directory, flushed,
/// then renamed over the old one), so a power cut leaves the old file or the new one,
/// never half of either.
public enum LocalFiles {
    public static func read(_ path: String, maxLength: Int = 64 << 20) throws(TUFError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw .storage(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .storage(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
            if out.count > maxLength { throw .storage(path: path, reason: "larger than \(maxLength) bytes") }
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and its missing parents.
    public static func makeDirectory(_ path: String) throws(TUFError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw .storage(path: current, reason: String(cString: strerror(errno)))
            }
        }
        if !isDirectory(path) { throw .storage(path: path, reason: "not a directory") }
    }

    /// Replaces `path` with `data` atomically.
    public static func writeAtomically(_ data: [UInt8], to path: String, mode: mode_t = 0o644) throws(TUFError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var template = ((directory.isEmpty ? "/" : directory) + "/.vigil-tmp-XXXXXX").utf8CString
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 { throw .storage(path: path, reason: "cannot create a temporary file: \(String(cString: strerror(errno)))") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var ok = false
        defer { if !ok { unlink(temporary) } }
        var written = 0
        while written < data.count {
            let n = data[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                throw .storage(path: path, reason: reason)
            }
            written += n
        }
        fchmod(fd, mode)
        if fsync(fd) != 0 || close(fd) != 0 { throw .storage(path: path, reason: String(cString: strerror(errno))) }
        if rename(temporary, path) != 0 { throw .storage(path: path, reason: String(cString: strerror(errno))) }
        ok = true
    }

    public static func remove(_ path: String) { unlink(path) }

    /// The current time, seconds since 1970, from the C library (so `faketime` moves it).
    public static func now() -> Int64 { Int64(time(nil)) }
}

extension LocalFiles {
    /// The names in `directory`, without `.` and `..`, sorted.
    public static func list(_ directory: String) throws(TUFError) -> [String] {
        guard let dir = opendir(directory) else { throw .storage(path: directory, reason: String(cString: strerror(errno))) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Creates `path` (and its parents) and sets its mode, for a folder only its owner
    /// may read (0700) such as the repository's keys.
    public static func makeDirectory(_ path: String, mode: mode_t) throws(TUFError) {
        try makeDirectory(path)
        if chmod(path, mode) != 0 { throw .storage(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Holds an exclusive advisory lock on `path` (created if missing) while `body` runs,
    /// so two commands never change one repository at once.
    public static func withLock<T>(_ path: String, _ body: () throws(TUFError) -> T) throws(TUFError) -> T {
        let fd = open(path, O_RDWR | O_CREAT, 0o600)
        if fd < 0 { throw .storage(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { throw .storage(path: path, reason: "another command holds the repository's lock") }
        return try body()
    }
}
