import VigilRuntime

/// Why post-training quantization refused a model or its calibration data.
public enum QuantizationError: Error, Equatable, CustomStringConvertible {
    /// The graph already holds int8 or int32 tensors.
    case alreadyQuantized(tensor: String)
    /// Calibration data that does not fit the model.
    case badCalibrationData(String)
    /// The float graph or the quantized result failed validation.
    case invalidGraph(GraphError)

    public var description: String {
        switch self {
        case .alreadyQuantized(let tensor):
            return "the model is already quantized (tensor '\(tensor)' is not float32); quantize a float model"
        case .badCalibrationData(let reason):
            return "calibration data: \(reason)"
        case .invalidGraph(let error):
            return error.message
        }
    }
}
