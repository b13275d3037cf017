/// Why a package file was rejected. The reader checks structure, bounds and
/// digests before it interprets anything else.
public enum PackageError: Error, Sendable, Equatable {
    case badMagic
    case unsupportedVersion(Int)
    case truncated(String, needed: Int, available: Int)
    case malformed(String, String)
    case missingSection(String)
    case sectionOutOfBounds(String)
    case overlappingSections(String, String)
    case digestMismatch(String)
    case invalidGraph(GraphError)

    public var message: String {
        switch self {
        case .badMagic: return "not a Vigil package (bad magic bytes)"
        case .unsupportedVersion(let v): return "package format version \(v) is not supported (this runtime reads version \(PackageFormat.version))"
        case .truncated(let where_, let needed, let available): return "\(where_): truncated (needs \(needed) bytes, \(available) left)"
        case .malformed(let where_, let why): return "\(where_): malformed: \(why)"
        case .missingSection(let s): return "required section '\(s)' is missing"
        case .sectionOutOfBounds(let s): return "section '\(s)' lies outside the file"
        case .overlappingSections(let a, let b): return "sections '\(a)' and '\(b)' overlap"
        case .digestMismatch(let s): return "section '\(s)' does not match its SHA-256 digest in the manifest"
        case .invalidGraph(let e): return "graph: \(e.message)"
        }
    }
}
