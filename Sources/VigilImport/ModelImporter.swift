/// Chooses the importer for a model file by its extension.
public enum ModelImporter {
    public static let supportedExtensions = ["onnx", "h5", "keras", "tflite"]

    public static func importModel(path: String) throws(ImportError) -> ImportedModel {
        let ext = path.split(separator: ".").last.map { String($0).lowercased() } ?? ""
        switch ext {
        case "onnx":
            return try ONNXImporter.importModel(atPath: path)
        case "h5", "keras":
            return try KerasImporter.importModel(path: path)
        case "tflite":
            return try TFLiteImporter.importModel(atPath: path)
        default:
            throw .malformedFile(path: path, reason: "unknown model format '.\(ext)'; supported: " + supportedExtensions.map { "." + $0 }.joined(separator: ", "))
        }
    }
}
