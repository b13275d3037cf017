import Foundation
import VigilZip

/// The members of a `.keras` archive (Keras 3's format, also written by tf_keras):
/// a zip of `config.json`, `metadata.json` and `model.weights.h5`. Read by
/// `ZipArchive`, which checks every offset against the file and inflates each member
/// under a limit of `ImportLimits`.
struct KerasArchive {
    var config: Data
    /// `keras_version` from metadata.json; empty when absent.
    var kerasVersion: String
    var weights: Data

    static let jsonLimit = ZipLimit(bytes: ImportLimits.maximumKerasJSONBytes, name: "ImportLimits.maximumKerasJSONBytes")
    static let weightsLimit = ZipLimit(bytes: ImportLimits.maximumKerasWeightsBytes, name: "ImportLimits.maximumKerasWeightsBytes")

    init(path: String, data: Data) throws(ImportError) {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(bytes: [UInt8](data))
        } catch {
            throw .malformedFile(path: path, reason: "\(error)")
        }
        config = try Self.member("config.json", of: archive, limit: Self.jsonLimit, path: path)
        weights = try Self.member("model.weights.h5", of: archive, limit: Self.weightsLimit, path: path)
        kerasVersion = ""
        if archive["metadata.json"] != nil {
            let metadata = try Self.member("metadata.json", of: archive, limit: Self.jsonLimit, path: path)
            do {
                kerasVersion = try KerasJSON.parse(metadata)["keras_version"]?.string ?? ""
            } catch {
                throw .malformedFile(path: path, reason: "metadata.json: \(error.reason)")
            }
        }
    }

    private static func member(_ name: String, of archive: ZipArchive, limit: ZipLimit, path: String) throws(ImportError) -> Data {
        guard let entry = archive[name] else {
            let present = archive.entries.map(\.name).joined(separator: ", ")
            throw .malformedFile(path: path, reason: "the archive has no '\(name)' (it holds: \(present.isEmpty ? "nothing" : present)); is this a .keras model?")
        }
        do {
            return Data(try archive.extract(entry, limit: limit))
        } catch {
            throw .malformedFile(path: path, reason: "\(error)")
        }
    }
}
