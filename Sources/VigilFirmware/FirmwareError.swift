import VigilRuntime

/// Why the firmware refused a package or could not run it.
public enum FirmwareError: Error, Sendable, Equatable {
    /// The package failed its structure, digest or graph checks.
    case package(PackageError)
    /// The package is sound but this firmware cannot feed it (its input contract asks
    /// for something the beat loop does not do).
    case contract(String)
    /// The graph does not plan or compile with this kernel set (arena budget, limits).
    case graph(GraphError)
    /// The model did not reproduce its own golden vectors.
    case selfTest(String)

    public var message: String {
        switch self {
        case .package(let e): return e.message
        case .contract(let why): return "input contract: \(why)"
        case .graph(let e): return e.message
        case .selfTest(let why): return "self-test: \(why)"
        }
    }
}
