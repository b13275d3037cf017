import Foundation
import ZIPFoundation

/// The members of a `.keras` archive (Keras 3's format, also written by tf_keras):
/// a zip of `config.json`, `metadata.json` and `model.weights.h5`.
struct KerasArchive {
    var config: Data
    /// `keras_version` from metadata.json; empty when absent.
    var kerasVersion: String
    var weights: Data

    /// Largest member read: guards against a corrupted size field.
    static let maximumMemberBytes: UInt64 = 1 << 31

    init(path: String, data: Data) throws(ImportError) {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw .malformedFile(path: path, reason: "not a readable zip archive (truncated or corrupted?)")
        }
        config = try Self.member("config.json", of: archive, path: path)
        weights = try Self.member("model.weights.h5", of: archive, path: path)
        kerasVersion = ""
        if archive["metadata.json"] != nil {
            let metadata = try Self.member("metadata.json", of: archive, path: path)
            do {
                kerasVersion = try KerasJSON.parse(metadata)["keras_version"]?.string ?? ""
            } catch {
                throw .malformedFile(path: path, reason: "metadata.json: \(error.reason)")
            }
        }
    }

    private static func member(_ name: String, of archive: Archive, path: String) throws(ImportError) -> Data {
        guard let entry = archive[name] else {
            let present = archive.map(\.path).joined(separator: ", ")
            throw .malformedFile(path: path, reason: "the archive has no '\(name)' (it holds: \(present.isEmpty ? "nothing" : present)); is this a .keras model?")
        }
        if entry.uncompressedSize > maximumMemberBytes {
            throw .malformedFile(path: path, reason: "'\(name)' claims \(entry.uncompressedSize) bytes")
        }
        var bytes = Data()
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry, skipCRC32: false) { bytes.append($0) }
        } catch {
            throw .malformedFile(path: path, reason: "'\(name)' is corrupt in the archive: \(error)")
        }
        // `extract` computes the CRC-32 but leaves the comparison to the caller.
        if checksum != entry.checksum {
            throw .malformedFile(path: path, reason: "'\(name)' is corrupt in the archive: CRC-32 \(checksum) ≠ \(entry.checksum) recorded")
        }
        if bytes.count != Int(entry.uncompressedSize) {
            throw .malformedFile(path: path, reason: "'\(name)' extracted to \(bytes.count) bytes, the archive says \(entry.uncompressedSize)")
        }
        return bytes
    }
}
