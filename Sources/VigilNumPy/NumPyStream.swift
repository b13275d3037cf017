import Foundation

/// Reads a `.npy` file a block of rows (first-axis slices) at a time, so that a large
/// batch never sits in memory whole. The header is checked as `NumPyArray.decode`
/// checks it, and the file's size against what the header promises, before any row is
/// read.
public final class NumPyReader {
    public let path: String
    public let header: NumPyArray.Header
    private let handle: FileHandle
    /// Rows handed out so far.
    public private(set) var rowsRead = 0

    public var dtype: NumPyArray.DType { header.dtype }
    public var shape: [Int] { header.shape }
    /// Rows along the first axis; 1 for a 0-d array, read whole.
    public var rows: Int { header.shape.first ?? 1 }
    var rowBytes: Int { rows == 0 ? 0 : header.dataBytes / rows }

    public init(path: String) throws(NumPyError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .archive(path, "cannot read the file (missing or unreadable)")
        }
        self.path = path
        self.handle = handle
        do {
            var prefix = try handle.read(upToCount: NumPyArray.preambleBytes).map { [UInt8]($0) } ?? []
            let end = try NumPyArray.headerEnd(prefix, name: path)  // bounded by NumPyLimits.maximumHeaderBytes
            if end > prefix.count, let rest = try handle.read(upToCount: end - prefix.count) { prefix += rest }
            header = try NumPyArray.header(prefix, name: path)
            let size = Int(try handle.seekToEnd())
            if size - header.dataOffset != header.dataBytes {
                throw NumPyError.sizeMismatch(path, expected: header.dataBytes, actual: size - header.dataOffset)
            }
            try handle.seek(toOffset: UInt64(header.dataOffset))
        } catch let error as NumPyError {
            try? handle.close()
            throw error
        } catch {
            try? handle.close()
            throw .archive(path, "cannot read the file: \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    /// The next `count` rows (fewer at the end) as an array of shape
    /// [count] + shape[1...]; a 0-d array comes whole.
    public func read(rows count: Int) throws(NumPyError) -> NumPyArray {
        if header.shape.isEmpty {
            rowsRead = 1
            return NumPyArray(dtype: dtype, shape: [], bytes: try bytes(header.dataBytes))
        }
        let n = max(0, min(count, rows - rowsRead))
        rowsRead += n
        return NumPyArray(dtype: dtype, shape: [n] + header.shape.dropFirst(), bytes: try bytes(n * rowBytes))
    }

    private func bytes(_ count: Int) throws(NumPyError) -> [UInt8] {
        if count == 0 { return [] }
        let data: Data?
        do { data = try handle.read(upToCount: count) } catch {
            throw .archive(path, "cannot read the file: \(error.localizedDescription)")
        }
        guard let data, data.count == count else {
            throw .archive(path, "the file ended early (it changed while being read?)")
        }
        return [UInt8](data)
    }
}

/// Writes a `.npy` file whose shape is known up front a block of rows at a time.
public final class NumPyWriter {
    public let path: String
    private let handle: FileHandle
    private let expected: Int
    private var written = 0
    private var closed = false

    public init(path: String, dtype: NumPyArray.DType, shape: [Int]) throws {
        self.path = path
        var bytes = dtype.byteSize
        for d in shape {
            let (p, o) = bytes.multipliedReportingOverflow(by: d)
            guard !o else { throw NumPyError.limitExceeded(path, "shape \(shape) has more than \(Int.max) bytes") }
            bytes = p
        }
        expected = bytes
        guard FileManager.default.createFile(atPath: path, contents: Data(NumPyArray.encodedHeader(dtype: dtype, shape: shape))),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw NumPyError.archive(path, "cannot create the file")
        }
        self.handle = handle
        try handle.seekToEnd()
    }

    deinit { if !closed { try? handle.close() } }

    public func append(_ bytes: [UInt8]) throws {
        written += bytes.count
        if written > expected { throw NumPyError.archive(path, "more data than the header's \(expected) bytes") }
        try handle.write(contentsOf: Data(bytes))
    }

    /// Closes the file; fails unless exactly the promised bytes were written.
    public func finish() throws {
        closed = true
        try handle.close()
        if written != expected { throw NumPyError.archive(path, "\(written) bytes written, the header promises \(expected)") }
    }
}
