import Foundation
import VigilZip
import ZIPFoundation

/// NumPy's `.npz`: a zip archive of named `.npy` arrays.
public enum NumPyArchive {
    /// All arrays in the archive, by name without the `.npy` suffix, in archive order.
    /// The archive is read by `ZipArchive` (every offset checked against the file);
    /// each member may inflate to at most `NumPyLimits.maximumArrayBytes` plus its
    /// header, and all together to `NumPyLimits.maximumArchiveBytes`.
    public static func read(path: String) throws -> [(name: String, array: NumPyArray)] {
        let data = try readFile(path, limit: NumPyLimits.maximumArchiveBytes, limitName: "NumPyLimits.maximumArchiveBytes")
        let archive: ZipArchive
        do {
            archive = try ZipArchive(bytes: data)
        } catch {
            throw NumPyError.archive(path, "not a readable .npz: \(error)")
        }
        let memberLimit = ZipLimit(bytes: NumPyLimits.maximumArrayBytes + NumPyLimits.maximumHeaderBytes + NumPyArray.preambleBytes,
                                   name: "NumPyLimits.maximumArrayBytes with its .npy header")
        var arrays: [(String, NumPyArray)] = []
        var total = 0
        for entry in archive.entries where !entry.isDirectory {
            // What is left of the archive's budget bounds this member too.
            let left = NumPyLimits.maximumArchiveBytes - total
            let limit = left < memberLimit.bytes ? ZipLimit(bytes: left, name: "NumPyLimits.maximumArchiveBytes") : memberLimit
            let bytes: [UInt8]
            do {
                bytes = try archive.extract(entry, limit: limit)
            } catch {
                throw NumPyError.archive(path, "\(error)")
            }
            total += bytes.count
            var name = entry.name
            if name.hasSuffix(".npy") { name.removeLast(4) }
            arrays.append((name, try NumPyArray.decode(bytes, name: "\(path):\(entry.name)")))
        }
        if arrays.isEmpty { throw NumPyError.archive(path, "archive holds no arrays") }
        return arrays
    }

    /// Writes arrays as an uncompressed `.npz` that numpy.load reads.
    public static func write(_ arrays: [(name: String, array: NumPyArray)], path: String) throws {
        let archive = try Archive(accessMode: .create)
        for (name, array) in arrays {
            let bytes = Data(array.encoded())
            try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .none) { position, size in
                bytes.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        guard let data = archive.data else { throw NumPyError.archive(path, "could not build the archive") }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
