import VigilRuntime

/// Why post-training quantization refused a model or its calibration data.
public enum QuantizationError: Error, Equatable, CustomStringConvertible {
    /// The graph holds tensors other than float32: quantized ones, or plain integers.
    case alreadyQuantized(tensor: String)
    /// A package (named by `package`, its path) whose tensor is not float32;
    /// `quantized` when the graph holds quantized tensors.
    case notAFloatPackage(package: String, tensor: String, dtype: String, quantized: Bool)
    /// Calibration data that does not fit the model.
    case badCalibrationData(String)
    /// The float graph or the quantized result failed validation.
    case invalidGraph(GraphError)
    /// A node named to be kept float that the graph does not have.
    case unknownNode(String, nodes: [String])

    public var description: String {
        switch self {
        case .alreadyQuantized(let tensor):
            return "the model is not a float model (tensor '\(tensor)' is not float32; already quantized, or integer data); quantize a float model"
        case .notAFloatPackage(let package, let tensor, let dtype, let quantized):
            return "\(package): the model is \(quantized ? "already quantized" : "not a float model") (tensor '\(tensor)' is \(dtype)); quantize a float package"
        case .badCalibrationData(let reason):
            return "calibration data: \(reason)"
        case .invalidGraph(let error):
            return error.message
        case .unknownNode(let name, let nodes):
            let shown = nodes.prefix(40).joined(separator: ", ") + (nodes.count > 40 ? ", … (\(nodes.count) nodes)" : "")
            return "the model has no node '\(name)' to keep float; its nodes: \(shown)"
        }
    }
}
