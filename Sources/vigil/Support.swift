import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// A failure reported to the user as `error: …` with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

enum System {
    static var processorCount: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }
}

enum Standard {
    /// Writes a line to standard error, unbuffered.
    static func error(_ line: String) {
        #if canImport(Glibc)
        let text = line + "\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        #endif
    }
}
