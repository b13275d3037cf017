import Foundation
import VigilHDF5
import VigilRuntime

/// Imports Keras models: legacy HDF5 (`model.save("m.h5")` from Keras 3 or tf.keras
/// 2.x) and `.keras` archives. Keras is channels-last like Vigil, so every layout is
/// native and weights keep their Keras layouts.
public enum KerasImporter {
    public static func importModel(path: String) throws(ImportError) -> ImportedModel {
        let data = try readModelFile(path)
        switch KerasFileKind(data) {
        case .hdf5:
            try checkGlobalHeaps(data, path: path, member: nil)
            return try importLegacyHDF5(path: path)
        case .zip: return try importArchive(path: path, data: data)
        case .unknown:
            throw .malformedFile(path: path, reason: "neither an HDF5 file (legacy .h5) nor a zip archive (.keras)")
        }
    }

    /// Legacy HDF5: the config is the root attribute `model_config`, the version
    /// `keras_version`, the weights under `model_weights`.
    static func importLegacyHDF5(path: String) throws(ImportError) -> ImportedModel {
        let file: HDF5File
        do { file = try HDF5File.open(path) } catch {
            throw .malformedFile(path: path, reason: "cannot open as HDF5 (truncated or corrupted?)")
        }
        guard file.hasAttribute("model_config") else {
            throw .malformedFile(path: path, reason: "no 'model_config' attribute: this holds weights only; save the whole model with model.save(\"model.h5\") or model.save(\"model.keras\")")
        }
        let configText: String
        do { configText = try file.storedStrings("model_config").first ?? "" } catch {
            throw .malformedFile(path: path, reason: "cannot read 'model_config': \(error)")
        }
        let version = file.hasAttribute("keras_version") ? ((try? file.storedStrings("keras_version").first) ?? "") : ""
        let backend = file.hasAttribute("backend") ? ((try? file.storedStrings("backend").first) ?? "") : ""
        let store = KerasWeightStore(file: file, layout: .legacy, path: path)
        let source = "keras \(version.isEmpty ? "(version unknown)" : version) legacy HDF5" + (backend.isEmpty ? "" : ", backend \(backend)")
        return try translate(config: Data(configText.utf8), store: store, dialect: KerasDialect(version: version), source: source, path: path)
    }

    /// `.keras`: the weights file is extracted to a temporary file for libhdf5.
    static func importArchive(path: String, data: Data) throws(ImportError) -> ImportedModel {
        let archive = try KerasArchive(path: path, data: data)
        guard KerasFileKind(archive.weights) == .hdf5 else {
            throw .malformedFile(path: path, reason: "model.weights.h5 in the archive is not an HDF5 file")
        }
        try checkGlobalHeaps(archive.weights, path: path, member: "model.weights.h5")
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-keras-\(UUID().uuidString).weights.h5")
        do { try archive.weights.write(to: temporary) } catch {
            throw .malformedFile(path: path, reason: "cannot write the weights to a temporary file: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: temporary) }
        let file: HDF5File
        do { file = try HDF5File.open(temporary.path) } catch {
            throw .malformedFile(path: path, reason: "model.weights.h5 in the archive cannot be opened as HDF5 (corrupted?)")
        }
        let store = KerasWeightStore(file: file, layout: .archive, path: path)
        let version = archive.kerasVersion.isEmpty ? "3" : archive.kerasVersion
        let source = "keras \(archive.kerasVersion.isEmpty ? "(version unknown)" : archive.kerasVersion) .keras archive"
        return try translate(config: archive.config, store: store, dialect: KerasDialect(version: version), source: source, path: path)
    }

    /// Rejects corrupted string storage that would crash libhdf5 1.10 (see
    /// `HDF5GlobalHeapCheck`).
    private static func checkGlobalHeaps(_ data: Data, path: String, member: String?) throws(ImportError) {
        let problem = data.withUnsafeBytes { HDF5GlobalHeapCheck.problem(in: $0) }
        if let problem {
            throw .malformedFile(path: path, reason: (member.map { "\($0): " } ?? "") + "corrupted HDF5 file: " + problem)
        }
    }

    private static func translate(config: Data, store: KerasWeightStore, dialect: KerasDialect, source: String, path: String) throws(ImportError) -> ImportedModel {
        let json: KerasJSON
        do { json = try KerasJSON.parse(config) } catch {
            throw .malformedFile(path: path, reason: "the model config is not valid JSON: \(error.reason)")
        }
        let model = try KerasModelConfig(json, path: path)
        var translator = KerasGraphTranslator(model: model, weights: store, dialect: dialect, path: path)
        let (graph, inputs, outputs) = try translator.translate()
        return ImportedModel(graph: graph, inputLayouts: inputs, outputLayouts: outputs, source: source)
    }
}

/// What a file's first bytes say it is.
enum KerasFileKind: Equatable {
    case hdf5
    case zip
    case unknown

    init(_ data: Data) {
        let hdf5: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        if data.starts(with: hdf5) { self = .hdf5 } else if data.starts(with: zip) { self = .zip } else { self = .unknown }
    }
}
