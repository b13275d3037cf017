import VigilRuntime

/// Why a model file could not be imported. Shared by the ONNX and Keras importers:
/// every case names what is at fault (the file, node or tensor) so that the user can
/// find it in their model, and no file content is ever trusted enough to trap on.
public enum ImportError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be read or decoded: truncated, corrupted, or not the format.
    case malformedFile(path: String, reason: String)
    /// A node whose op type the importer does not translate. `supported` lists the op
    /// types it does, so the user can see what to change in the export.
    case unsupportedOp(node: String, type: String, supported: [String])
    /// An attribute value, input form or shape outside what Vigil can run.
    case unsupportedAttribute(node: String, reason: String)
    /// A tensor has the wrong rank or a shape that does not fit its node.
    case shapeMismatch(node: String, reason: String)
    /// A weight tensor holds NaN or an infinity.
    case nonFiniteWeights(tensor: String)
    /// The file's format or operator-set version is outside the supported range.
    case unsupportedVersion(String)
    /// The model needs data that changes with the batch size, or other run-time
    /// reshaping, that a static Vigil graph cannot express.
    case dynamicShape(node: String, reason: String)
    /// Reproducing the model would need a transpose at run time; Vigil converts layouts
    /// only by rewriting weights at import.
    case needsRuntimeTranspose(node: String, reason: String)
    /// The translated graph failed Vigil's own validation.
    case invalidGraph(GraphError)

    public var description: String {
        switch self {
        case .malformedFile(let path, let reason):
            return "\(path): malformed model file: \(reason)"
        case .unsupportedOp(let node, let type, let supported):
            return "node '\(node)': op type '\(type)' is not supported; supported ops: \(supported.joined(separator: ", "))"
        case .unsupportedAttribute(let node, let reason):
            return "node '\(node)': unsupported: \(reason)"
        case .shapeMismatch(let node, let reason):
            return "node '\(node)': shape mismatch: \(reason)"
        case .nonFiniteWeights(let tensor):
            return "tensor '\(tensor)': weights contain NaN or infinity"
        case .unsupportedVersion(let reason):
            return "unsupported version: \(reason)"
        case .dynamicShape(let node, let reason):
            return "node '\(node)': shape depends on run-time data: \(reason)"
        case .needsRuntimeTranspose(let node, let reason):
            return "node '\(node)': would need a transpose at run time: \(reason)"
        case .invalidGraph(let error):
            return "the imported graph is invalid: \(error.message)"
        }
    }
}
