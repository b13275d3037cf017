import Foundation
import Testing
@testable import VigilSignal
@testable import VigilSignalCore

/// Hostile WFDB headers and rate pairs: sizes and rates from a file stay within
/// `WFDBLimits` and `Resampler.Limits`, and each violation is a specific error naming
/// the limit, reached before anything is allocated, never a trap.
@Suite struct ResourceLimitTests {
    /// Writes `header` and a small 16-bit signal file (`frames` frames, one signal).
    func record(header: String, frames: Int = 4) throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        try header.write(toFile: directory + "/rec.hea", atomically: true, encoding: .utf8)
        try Data(repeating: 0, count: 2 * frames).write(to: URL(fileURLWithPath: directory + "/rec.dat"))
        return directory + "/rec"
    }

    func parseError(_ text: String) -> WFDBHeader.ParseError? {
        do { _ = try WFDBHeader.parse(text); return nil } catch { return error }
    }

    // MARK: - 5: sampling frequencies

    @Test(arguments: ["1e19", "1e308", "inf", "1e9", "1e15", "100001", "0.5"])
    func samplingFrequencyOutsideTheECGRangeIsRefused(fs: String) throws {
        let text = "rec 1 \(fs) 4\nrec.dat 16 200 12 0 0 0 0 MLII\n"
        guard case .limit(let line, let field, let value, let limit)? = parseError(text) else {
            Issue.record("fs \(fs): expected a limit error, got \(String(describing: parseError(text)))"); return
        }
        #expect(line == 1 && field == "sampling frequency" && value == fs)
        #expect(limit.contains("WFDBLimits.samplingFrequency"))
        // Through the replay path: an invalid header naming the limit, not a trap in Int(fs).
        let path = try record(header: text)
        do {
            _ = try ECGRecordSignal.load(path, annotator: nil)
            Issue.record("fs \(fs) loaded")
        } catch {
            guard case .invalidHeader(let file, let reason) = error else { Issue.record("fs \(fs): \(error)"); return }
            #expect(file == path + ".hea" && reason.contains("WFDBLimits.samplingFrequency"))
        }
    }

    /// Each signal's own rate (frame rate × samples per frame) is a sampling frequency too.
    @Test func signalRateOfAMultiFrequencyRecordIsBounded() {
        let text = "rec 1 1000 4\nrec.dat 16x1000 200 12 0 0 0 0 MLII\n"
        guard case .limit(2, _, _, let limit)? = parseError(text) else { Issue.record("\(String(describing: parseError(text)))"); return }
        #expect(limit.contains("WFDBLimits.samplingFrequency"))
        guard case .limit(2, "samples per frame", _, let spf)? = parseError("rec 1 10 4\nrec.dat 16x5000 200 12 0 0 0 0 MLII\n") else {
            Issue.record("samples per frame 5000 accepted"); return
        }
        #expect(spf.contains("WFDBLimits.maximumSamplesPerFrame"))
    }

    /// Rates a file may name make the resampler design a filter of terabytes or run for
    /// tens of seconds; its factors and filter length are budgeted before allocation.
    @Test func resamplerDesignIsBudgeted() throws {
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: Resampler.DesignError.rateOutOfRange(input: 1_000_000_000, output: 256)) { try Resampler(from: 1_000_000_000, to: 256) }
        #expect(throws: Resampler.DesignError.rateOutOfRange(input: 360, output: Int.max)) { try Resampler(from: 360, to: Int.max) }
        // 99 991 Hz (a prime) to 256 Hz: M = 99 991.
        #expect(throws: Resampler.DesignError.factorTooLarge(up: 256, down: 99_991)) { try Resampler(from: 99_991, to: 256) }
        // 16 381 Hz (a prime) with 200 dB: about 1.75 million taps.
        do {
            _ = try Resampler(from: 16_381, to: 256, stopbandAttenuation: 200)
            Issue.record("a filter above the length budget was designed")
        } catch {
            guard case .filterTooLong(let taps) = error else { Issue.record("\(error)"); return }
            #expect(taps > Resampler.Limits.maximumFilterLength)
            #expect(error.description.contains("Resampler.Limits.maximumFilterLength"))
        }
        #expect(throws: Resampler.DesignError.invalidAttenuation(.infinity)) { try Resampler(from: 360, to: 256, stopbandAttenuation: .infinity) }
        #expect(clock.now - start < .seconds(2))
        // The design in use is unchanged.
        let r = try Resampler(from: 360, to: 256)
        #expect(r.up == 32 && r.down == 45 && r.prototype.count < 4_000)
    }

    /// Annotation sample numbers come from a file: mapping one near Int.max saturates.
    @Test func sampleMappingDoesNotOverflow() throws {
        let r = try Resampler(from: 360, to: 256)
        #expect(r.mapToOutput(Int.max) == Int.max / 45 * 32 + (Int.max % 45 * 64 + 45) / 90)
        // Upsampling past Int saturates.
        #expect(r.mapToInput(Int.max) == Int.max)
        #expect(try Resampler(from: 128, to: 256).mapToOutput(Int.max / 2 + 1) == Int.max)
        // Unchanged for ordinary positions: round(n · 32/45).
        for n in [0, 1, 44, 45, 650_000, 1_000_003] {
            #expect(r.mapToOutput(n) == (2 * n * 32 + 45) / 90)
            #expect(r.mapToInput(n) == (2 * n * 45 + 32) / 64)
        }
        #expect(r.outputCount(forInput: 650_000) == 462_223)
    }

    // MARK: - 6: sample counts and byte offsets

    @Test(arguments: ["9223372036854775807", "9223372036854775000", "99999999999999999999999", "17179869185"])
    func hugeSampleCountIsRefused(count: String) throws {
        let path = try record(header: "rec 1 360 \(count)\nrec.dat 16 200 12 0 0 0 0 MLII\n")
        do {
            _ = try WFDBRecord.read(path)
            Issue.record("sample count \(count) was read")
        } catch {
            guard case .invalidHeader(_, let reason) = error else { Issue.record("\(count): \(error)"); return }
            #expect(reason.contains("number of samples") && reason.contains("WFDBLimits.maximumSampleCount"), "\(reason)")
        }
    }

    @Test(arguments: ["9223372036854775807", "9223372036854775800", "99999999999999999999999", "17179869185"])
    func hugeByteOffsetIsRefused(offset: String) throws {
        for count in ["4", ""] {
            let path = try record(header: "rec 1 360 \(count)\nrec.dat 16+\(offset) 200 12 0 0 0 0 MLII\n")
            do {
                _ = try WFDBRecord.read(path)
                Issue.record("byte offset \(offset) was read")
            } catch {
                guard case .invalidHeader(_, let reason) = error else { Issue.record("\(offset): \(error)"); return }
                #expect(reason.contains("byte offset") && reason.contains("WFDBLimits.maximumByteOffset"), "\(reason)")
            }
        }
    }

    /// Counts and offsets at the limits: the truncation error is built with checked
    /// arithmetic and reports what the header needs, without reading it.
    @Test func countsAtTheLimitsGiveATruncationError() throws {
        let max = WFDBLimits.maximumSampleCount, offset = WFDBLimits.maximumByteOffset
        let path = try record(header: "rec 2 360 \(max)\nrec.dat 16+\(offset) 200 12 0 0 0 0 MLII\nrec.dat 16+\(offset) 200 12 0 0 0 0 V1\n")
        #expect(throws: WFDBError.truncatedSignalFile(path: path + ".dat", expectedBytes: 4 * max + offset, actualBytes: 8)) {
            try WFDBRecord.read(path)
        }
        // The products of header fields are checked, whatever the limits.
        let decoder = SignalGroupDecoder(format: .int32, samplesPerFrame: [1024, 1024], initialValues: [0, 0])
        #expect(decoder.checkedByteCount(frames: Int.max / 1024) == nil)
        #expect(decoder.checkedByteCount(frames: 10) == 10 * 2048 * 4)
        #expect(SignalFormat.int24.checkedByteCount(samples: Int.max / 2) == nil)
    }
}
