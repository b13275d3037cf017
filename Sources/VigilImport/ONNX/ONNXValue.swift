import VigilRuntime

/// What the importer knows about one ONNX value (a node output, initializer or graph
/// input): either its contents, folded at import, or the Vigil tensor that will hold it
/// at run time.
enum ONNXValue {
    case constant(ConstantTensor)
    case runtime(RuntimeValue)

    /// The ONNX shape (1 standing in for the batch of run-time data).
    var shape: [Int] {
        switch self {
        case .constant(let c): return c.shape
        case .runtime(let v): return v.shape
        }
    }
}

/// A run-time ONNX value and how the Vigil tensor holding it is laid out.
///
/// ONNX lays 1-D signals out channels first, Vigil channels last, and Vigil never
/// transposes at run time: instead each value carries the order in which its ONNX axes
/// are stored, so a Transpose or Squeeze only relabels, and ops that care about the
/// order (Conv, Softmax, Concat…) read the label.
struct RuntimeValue {
    var id: TensorID
    /// The ONNX shape, with 1 standing in for the batch dimension.
    var shape: [Int]
    /// The ONNX axis each stored Vigil axis holds, batch first. ONNX axes missing here
    /// have size 1: they exist only in ONNX's view.
    var storedAxes: [Int]
    /// For a flattened [N, F] value whose source was stored in a different order than
    /// ONNX's: stored feature j is ONNX feature featureOrder[j]. A consumer with
    /// constant weights (Gemm, MatMul) absorbs it by permuting weight rows.
    var featureOrder: [Int]? = nil
    /// Set while the value is a graph input seen through relabels and elementwise ops,
    /// so that a layout mismatch can be solved by storing that input differently.
    var origin: Origin? = nil
    /// ONNX axis 0 holds the batch times shape[0] (a Reshape of [N, H, …] to [N·H, …],
    /// as tf2onnx's einsum merges attention heads): stored like a batch-free value,
    /// one sample being shape[0] rows. Only Reshape (which splits the batch out
    /// again), MatMul and Shape read such a value.
    var mergedBatch = false

    struct Origin {
        var input: Int
        /// For each ONNX axis of this value, the input axis it came from (nil: added).
        var axes: [Int?]
    }

    var rank: Int { shape.count }
    var batchAxis: Int { storedAxes[0] }
    var storedShape: [Int] { storedAxes.dropFirst().map { $0 < 0 ? 1 : shape[$0] } }
    /// Whether the value belongs to a batch-free import: its stored batch is a unit axis
    /// (-1 in `storedAxes`) that ONNX does not see.
    var isBatchFree: Bool { batchAxis < 0 }
    /// ONNX's own order, batch first.
    var onnxOrder: [Int] { (isBatchFree ? [-1] : []) + Array(0..<rank) }

    /// The stored axes of size > 1 (batch excluded), in stored order: two layouts of the
    /// same value with equal keys hold their elements in the same memory order.
    func memoryOrder(_ axes: [Int]) -> [Int] { axes.dropFirst().filter { $0 >= 0 && shape[$0] != 1 } }

    /// Stored in ONNX's own order (up to unit axes), with the batch first.
    var isInONNXOrder: Bool { batchAxis <= 0 && featureOrder == nil && memoryOrder(storedAxes) == memoryOrder(onnxOrder) }
}

extension Array where Element == Int {
    /// Stored axes relabelled through `f`, keeping a batch-free import's unit batch (-1).
    func relabelled(_ f: (Int) -> Int) -> [Int] { map { $0 < 0 ? $0 : f($0) } }
}

/// Raised while converting when a graph input should be stored in another axis order;
/// the importer restarts with that layout.
struct InputRelayout: Error {
    var input: Int
    var storedAxes: [Int]
    /// The error to report if this layout was already tried.
    var otherwise: ImportError

    static func key(input: Int, storedAxes: [Int]) -> String { "\(input):\(storedAxes)" }
}
