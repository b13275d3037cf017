/// Why a WFDB record or annotation file could not be read or written. Every
/// case names the file, so a validator replaying many records can say which one failed.
public enum WFDBError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingFile(path: String)
    case unreadable(path: String, reason: String)
    case invalidHeader(path: String, reason: String)
    case unsupportedFormat(path: String, format: String)
    case unsupported(path: String, feature: String)
    case truncatedSignalFile(path: String, expectedBytes: Int, actualBytes: Int)
    case signalLengthMismatch(path: String, headerSamples: Int, fileSamples: Int)
    case checksumMismatch(path: String, signal: Int, expected: Int, actual: Int)
    case corruptAnnotations(path: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let p): "\(p): no such file"
        case .unreadable(let p, let r): "\(p): cannot read: \(r)"
        case .invalidHeader(let p, let r): "\(p): invalid header: \(r)"
        case .unsupportedFormat(let p, let f): "\(p): unknown signal format \(f)"
        case .unsupported(let p, let f): "\(p): not supported: \(f)"
        case .truncatedSignalFile(let p, let e, let a): "\(p): truncated signal file: \(a) bytes, the header needs \(e)"
        case .signalLengthMismatch(let p, let h, let f): "\(p): header says \(h) samples per signal but the signal file holds \(f)"
        case .checksumMismatch(let p, let s, let e, let a): "\(p): checksum mismatch for signal \(s): header \(e), data \(a)"
        case .corruptAnnotations(let p, let r): "\(p): corrupt annotation file: \(r)"
        case .unwritable(let p, let r): "\(p): cannot write: \(r)"
        }
    }
}
