/// What each importer translates, read from the importers' own tables, so that the
/// README's list (`vigil supported`) cannot drift from the code.
public enum ImportSupport {
    /// Keras layer classes (Keras 3 and tf_keras 2.x, `.keras` and `.h5`).
    public static var kerasLayers: [String] { KerasGraphTranslator.supportedLayers }
    /// Keras `activation=` names.
    public static var kerasActivations: [String] { KerasActivation.supportedNames.sorted() }
    /// ONNX operators of the default domain.
    public static var onnxOps: [String] { ONNXGraphConverter.supportedOps.sorted() }
    /// TFLite builtin operators.
    public static var tfliteOps: [String] { TFLiteImporter.supportedOps.sorted() }

    /// A Markdown table of the above, one row per format.
    public static var markdown: String {
        func codes(_ names: [String]) -> String { names.map { "`\($0)`" }.joined(separator: ", ") }
        return """
            | format | translated | count |
            |---|---|---|
            | Keras layers (`.keras`, `.h5`) | \(codes(kerasLayers)) | \(kerasLayers.count) |
            | Keras `activation=` | \(codes(kerasActivations)) | \(kerasActivations.count) |
            | ONNX operators (opsets \(ONNXImporter.supportedOpsets.lowerBound)–\(ONNXImporter.supportedOpsets.upperBound)) | \(codes(onnxOps)) | \(onnxOps.count) |
            | TFLite builtins (float and int8) | \(codes(tfliteOps)) | \(tfliteOps.count) |

            Keras wrappers: `Bidirectional` wraps `SimpleRNN`, `GRU` or `LSTM` (merge modes concat, sum, mul, ave); `TimeDistributed` wraps `Dense`.
            """
    }
}
