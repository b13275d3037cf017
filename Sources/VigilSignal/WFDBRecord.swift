import Foundation
import VigilSignalCore

/// A WFDB record read from disk: its header and the digital samples of every signal.
public struct WFDBRecord: Sendable {
    public var header: WFDBHeader
    /// Record path without extension, e.g. `…/mitdb-ds1/101`.
    public var path: String
    /// Digital samples per signal; signal `s` holds `frameCount × samplesPerFrame` values.
    public var digital: [[Int32]]
    public var frameCount: Int

    public var name: String { header.recordName }

    /// Samples per second of signal `s` (the frame rate times its samples per frame).
    public func samplingFrequency(signal s: Int) -> Double {
        header.samplingFrequency * Double(header.signals[s].samplesPerFrame)
    }

    /// Signal `s` in physical units (mV for ECG).
    public func physical(signal s: Int) -> [Float] {
        let spec = header.signals[s]
        let scale = Float(1 / spec.gain), offset = Float(spec.baseline)
        return digital[s].map { (Float($0) - offset) * scale }
    }

    /// The first signal whose description is `name` (e.g. "MLII").
    public func signalIndex(named name: String) -> Int? {
        header.signals.firstIndex { $0.description == name }
    }

    /// Reads `<recordPath>.hea` and its signal files, verifying lengths and checksums.
    public static func read(_ recordPath: String, verifyChecksums: Bool = true) throws(WFDBError) -> WFDBRecord {
        let headerPath = recordPath + ".hea"
        let headerBytes = try FileAccess.read(headerPath)
        let header: WFDBHeader
        do { header = try WFDBHeader.parse(String(decoding: headerBytes, as: UTF8.self)) } catch {
            if case .unknownFormat(_, let format) = error { throw .unsupportedFormat(path: headerPath, format: format) }
            throw .invalidHeader(path: headerPath, reason: error.description)
        }
        let directory = (recordPath as NSString).deletingLastPathComponent
        var digital = [[Int32]](repeating: [], count: header.signals.count)
        var frameCount = header.sampleCount

        // Signals stored in one file are consecutive header lines with the same file name.
        var start = 0
        while start < header.signals.count {
            var end = start + 1
            while end < header.signals.count && header.signals[end].fileName == header.signals[start].fileName { end += 1 }
            let group = Array(header.signals[start..<end])
            let file = group[0].fileName
            let path = file.hasPrefix("/") ? file : (directory.isEmpty ? file : directory + "/" + file)
            guard group.allSatisfy({ $0.format == group[0].format && $0.byteOffset == group[0].byteOffset }) else {
                throw .invalidHeader(path: headerPath, reason: "signals in \(file) differ in format or byte offset")
            }
            if let skewed = group.first(where: { $0.skew != 0 }) {
                throw .unsupported(path: headerPath, feature: "skew \(skewed.skew) in \(file)")
            }
            let decoder = SignalGroupDecoder(format: group[0].format, samplesPerFrame: group.map(\.samplesPerFrame),
                                             initialValues: group.map(\.initialValue))
            // Header sizes are bounded by WFDBLimits; the products of several still
            // need checked arithmetic (many signals share a file).
            let byteOffset = group[0].byteOffset
            guard byteOffset >= 0, byteOffset <= WFDBLimits.maximumByteOffset else {
                throw .invalidHeader(path: headerPath, reason: "byte offset \(byteOffset) of \(file) exceeds WFDBLimits.maximumByteOffset (\(WFDBLimits.maximumByteOffset))")
            }
            var needed: Int?
            if let expected = header.sampleCount {
                guard expected <= WFDBLimits.maximumSampleCount, let bytes = decoder.checkedByteCount(frames: expected),
                      bytes <= Int.max - byteOffset else {
                    throw .invalidHeader(path: headerPath, reason: "\(expected) frames of \(decoder.samplesPerFrame) samples in \(file) need more bytes than a file can hold (WFDBLimits.maximumSampleCount \(WFDBLimits.maximumSampleCount))")
                }
                needed = bytes
            }
            let bytes = try FileAccess.readData(path)
            let available = bytes.count - byteOffset
            let frames: Int
            if let expected = header.sampleCount, let needed {
                guard available >= needed else {
                    throw .truncatedSignalFile(path: path, expectedBytes: needed + byteOffset, actualBytes: bytes.count)
                }
                let held = decoder.frames(inBytes: available)
                guard held == expected else { throw .signalLengthMismatch(path: path, headerSamples: expected, fileSamples: held) }
                frames = expected
            } else {
                guard available >= 0 else { throw .truncatedSignalFile(path: path, expectedBytes: group[0].byteOffset, actualBytes: bytes.count) }
                frames = decoder.frames(inBytes: available)
                guard decoder.byteCount(frames: frames) == available else {
                    throw .truncatedSignalFile(path: path, expectedBytes: decoder.byteCount(frames: frames + 1) + group[0].byteOffset,
                                               actualBytes: bytes.count)
                }
                if let known = frameCount, known != frames {
                    throw .signalLengthMismatch(path: path, headerSamples: known, fileSamples: frames)
                }
                frameCount = frames
            }
            let decoded = bytes.withUnsafeBytes { raw in
                decoder.decode(UnsafeRawBufferPointer(rebasing: raw[group[0].byteOffset...]), frames: frames)
            }
            for (offset, samples) in decoded.enumerated() {
                let s = start + offset
                if verifyChecksums, let expected = header.signals[s].checksum {
                    let actual = SignalGroupDecoder.checksum(samples)
                    if Int16(truncatingIfNeeded: expected) != Int16(truncatingIfNeeded: actual) {
                        throw .checksumMismatch(path: path, signal: s, expected: expected, actual: actual)
                    }
                }
                digital[s] = samples
            }
            start = end
        }
        return WFDBRecord(header: header, path: recordPath, digital: digital, frameCount: frameCount ?? 0)
    }
}

/// Whole-file reads and writes with errors that name the file.
enum FileAccess {
    static func read(_ path: String) throws(WFDBError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// The file as `Data`, decoded in place (signal files are megabytes; no copy into an array).
    static func readData(_ path: String) throws(WFDBError) -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws(WFDBError) {
        do { try Data(bytes).write(to: URL(fileURLWithPath: path)) } catch {
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
    }
}

/// Reading and writing MIT-format annotation files (`.atr`, `.qrs`, …).
public enum AnnotationFile {
    public static func read(_ path: String) throws(WFDBError) -> [Annotation] {
        let bytes = try FileAccess.read(path)
        do { return try MITAnnotationCoding.decode(bytes) } catch {
            throw .corruptAnnotations(path: path, reason: error.description)
        }
    }

    public static func write(_ annotations: [Annotation], to path: String) throws(WFDBError) {
        let bytes: [UInt8]
        do { bytes = try MITAnnotationCoding.encode(annotations) } catch {
            throw .unwritable(path: path, reason: error.description)
        }
        try FileAccess.write(bytes, to: path)
    }
}
