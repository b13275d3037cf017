import Foundation
import ZIPFoundation

/// NumPy's `.npz`: a zip archive of named `.npy` arrays.
public enum NumPyArchive {
    /// All arrays in the archive, by name without the `.npy` suffix, in archive order.
    public static func read(path: String) throws -> [(name: String, array: NumPyArray)] {
        let data = Data(try readFile(path))
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw NumPyError.archive(path, "not a readable .npz (zip) archive")
        }
        var arrays: [(String, NumPyArray)] = []
        for entry in archive where entry.type == .file {
            var bytes = Data()
            let checksum: CRC32
            do {
                checksum = try archive.extract(entry, skipCRC32: false) { bytes.append($0) }
            } catch {
                throw NumPyError.archive(path, "entry '\(entry.path)' is corrupt: \(error)")
            }
            // ZIPFoundation computes the CRC-32 but leaves comparing it to the caller.
            if checksum != entry.checksum {
                throw NumPyError.archive(path, "entry '\(entry.path)' fails its CRC-32 check")
            }
            var name = entry.path
            if name.hasSuffix(".npy") { name.removeLast(4) }
            arrays.append((name, try NumPyArray.decode([UInt8](bytes), name: "\(path):\(entry.path)")))
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
