/// Why an HDF5 operation failed. Every case names the file and, where there
/// is one, the object inside it.
public enum HDF5Error: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotCreate(file: String)
    case cannotOpen(file: String)
    case notFound(file: String, object: String)
    case failed(file: String, object: String, operation: String)
    case typeMismatch(file: String, object: String, expected: String, found: String)
    case shapeMismatch(file: String, object: String, shape: [Int], valueCount: Int)

    public var description: String {
        switch self {
        case .cannotCreate(let f): "\(f): cannot create HDF5 file"
        case .cannotOpen(let f): "\(f): cannot open as an HDF5 file"
        case .notFound(let f, let o): "\(f): no object '\(o)'"
        case .failed(let f, let o, let op): "\(f): \(op) failed for '\(o)'"
        case .typeMismatch(let f, let o, let e, let found): "\(f): '\(o)' holds \(found), not \(e)"
        case .shapeMismatch(let f, let o, let s, let n): "\(f): '\(o)': shape \(s) does not hold \(n) values"
        }
    }
}
