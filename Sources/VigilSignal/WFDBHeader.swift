import VigilSignalCore

/// The signal specification of one line of a WFDB header (`header(5)`).
public struct SignalSpecification: Sendable, Equatable {
    public var fileName: String
    public var format: SignalFormat
    /// Samples of this signal per frame (the `x` suffix of the format field); 1 unless multi-frequency.
    public var samplesPerFrame: Int
    public var skew: Int
    public var byteOffset: Int
    /// ADC units per physical unit; 0 in the file means uncalibrated, read as 200.
    public var gain: Double
    public var gainWasGiven: Bool
    public var baseline: Int
    public var units: String
    public var resolution: Int
    public var adcZero: Int
    public var initialValue: Int
    public var checksum: Int?
    public var blockSize: Int
    public var description: String

    /// Physical value of a stored sample: (digital − baseline) / gain.
    public func physical(_ digital: Int32) -> Float { Float((Double(digital) - Double(baseline)) / gain) }
}

/// A parsed WFDB header: the record line and one `SignalSpecification` per signal.
/// Every size and rate lies within `WFDBLimits`.
public struct WFDBHeader: Sendable, Equatable {
    public var recordName: String
    public var samplingFrequency: Double
    public var counterFrequency: Double?
    public var baseCounter: Double?
    /// Frames in the record; nil when the header omits it (then the signal file decides).
    public var sampleCount: Int?
    public var baseTime: String?
    public var baseDate: String?
    public var signals: [SignalSpecification]
    public var comments: [String]

    /// Why a header line could not be parsed.
    public enum ParseError: Error, Sendable, Equatable {
        case missingRecordLine
        case invalid(line: Int, field: String, value: String)
        case multiSegment(line: Int)
        case unknownFormat(line: Int, format: String)
        case signalCount(declared: Int, found: Int)
        /// A field outside `WFDBLimits`; `limit` names the limit and its bound.
        case limit(line: Int, field: String, value: String, limit: String)

        public var description: String {
            switch self {
            case .missingRecordLine: "no record line"
            case .invalid(let line, let field, let value): "line \(line): invalid \(field) '\(value)'"
            case .multiSegment(let line): "line \(line): multi-segment records are not supported"
            case .unknownFormat(let line, let format): "line \(line): unknown signal format '\(format)'"
            case .signalCount(let d, let f): "record line declares \(d) signals but \(f) signal lines follow"
            case .limit(let line, let field, let value, let limit): "line \(line): \(field) '\(value)' exceeds \(limit)"
            }
        }
    }

    /// Parses header text. Pure Swift so it can run on the device as well.
    public static func parse(_ text: String) throws(ParseError) -> WFDBHeader {
        var comments: [String] = []
        var lines: [(number: Int, fields: [Substring], raw: Substring)] = []
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so split on every kind of line break.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            lineNumber += 1
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("#") { comments.append(String(trimmed.dropFirst())); continue }
            lines.append((lineNumber, trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }), trimmed))
        }
        guard let record = lines.first else { throw .missingRecordLine }
        let f = record.fields
        if f[0].contains("/") { throw .multiSegment(line: record.number) }
        guard f.count >= 2, let signalCount = Int(f[1]), signalCount >= 0 else {
            throw .invalid(line: record.number, field: "number of signals", value: f.count > 1 ? String(f[1]) : "")
        }
        var header = WFDBHeader(recordName: String(f[0]), samplingFrequency: 250, counterFrequency: nil, baseCounter: nil,
                                sampleCount: nil, baseTime: nil, baseDate: nil, signals: [], comments: comments)
        if f.count > 2 { try parseFrequency(f[2], line: record.number, into: &header) }
        if f.count > 3 {
            guard let n = Int(f[3]), n >= 0 else {
                // Digits past Int's range are a count above the limit, not a malformed field.
                if f[3].allSatisfy(\.isASCIIDigitCharacter) { throw .limit(line: record.number, field: "number of samples", value: String(f[3]), limit: sampleCountLimit) }
                throw .invalid(line: record.number, field: "number of samples", value: String(f[3]))
            }
            if n > WFDBLimits.maximumSampleCount { throw .limit(line: record.number, field: "number of samples", value: String(f[3]), limit: sampleCountLimit) }
            header.sampleCount = n
        }
        if f.count > 4 { header.baseTime = String(f[4]) }
        if f.count > 5 { header.baseDate = String(f[5]) }
        let signalLines = lines.dropFirst()
        guard signalLines.count == signalCount else { throw .signalCount(declared: signalCount, found: signalLines.count) }
        for line in signalLines {
            let signal = try parseSignal(line.fields, line: line.number)
            // Each signal's own rate is a sampling frequency too.
            let rate = header.samplingFrequency * Double(signal.samplesPerFrame)
            if rate > WFDBLimits.samplingFrequency.upperBound {
                throw .limit(line: line.number, field: "signal sampling frequency (\(signal.samplesPerFrame) samples per frame)", value: "\(rate)", limit: frequencyLimit)
            }
            header.signals.append(signal)
        }
        return header
    }

    static let frequencyLimit = "WFDBLimits.samplingFrequency (\(Int(WFDBLimits.samplingFrequency.lowerBound))…\(Int(WFDBLimits.samplingFrequency.upperBound)) Hz)"
    static let sampleCountLimit = "WFDBLimits.maximumSampleCount (\(WFDBLimits.maximumSampleCount))"

    /// `fs[/counter[(base)]]`.
    private static func parseFrequency(_ field: Substring, line: Int, into header: inout WFDBHeader) throws(ParseError) {
        let parts = field.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let fs = Double(parts[0]), fs > 0 else { throw .invalid(line: line, field: "sampling frequency", value: String(field)) }
        guard WFDBLimits.samplingFrequency.contains(fs) else { throw .limit(line: line, field: "sampling frequency", value: String(parts[0]), limit: frequencyLimit) }
        header.samplingFrequency = fs
        guard parts.count == 2 else { return }
        var counter = parts[1]
        if let open = counter.firstIndex(of: "(") {
            guard counter.hasSuffix(")"), let base = Double(counter[counter.index(after: open)..<counter.index(before: counter.endIndex)]),
                  base.magnitude <= WFDBLimits.maximumCounterValue else {
                throw .invalid(line: line, field: "base counter value", value: String(field))
            }
            header.baseCounter = base
            counter = counter[..<open]
        }
        guard let cf = Double(counter), cf > 0 else { throw .invalid(line: line, field: "counter frequency", value: String(field)) }
        guard cf <= WFDBLimits.maximumCounterValue else {
            throw .limit(line: line, field: "counter frequency", value: String(counter), limit: "WFDBLimits.maximumCounterValue (\(Int(WFDBLimits.maximumCounterValue)))")
        }
        header.counterFrequency = cf
    }

    private static func parseSignal(_ f: [Substring], line: Int) throws(ParseError) -> SignalSpecification {
        guard f.count >= 2 else { throw .invalid(line: line, field: "signal line", value: f.joined(separator: " ")) }
        // format[xspf][:skew][+offset]
        var formatField = f[1]
        var byteOffset = 0, skew = 0, spf = 1
        if let plus = formatField.firstIndex(of: "+") {
            let digits = formatField[formatField.index(after: plus)...]
            let limit = "WFDBLimits.maximumByteOffset (\(WFDBLimits.maximumByteOffset))"
            guard let v = Int(digits), v >= 0 else {
                if !digits.isEmpty && digits.allSatisfy(\.isASCIIDigitCharacter) { throw .limit(line: line, field: "byte offset", value: String(digits), limit: limit) }
                throw .invalid(line: line, field: "byte offset", value: String(f[1]))
            }
            if v > WFDBLimits.maximumByteOffset { throw .limit(line: line, field: "byte offset", value: String(digits), limit: limit) }
            byteOffset = v; formatField = formatField[..<plus]
        }
        if let colon = formatField.firstIndex(of: ":") {
            guard let v = Int(formatField[formatField.index(after: colon)...]) else { throw .invalid(line: line, field: "skew", value: String(f[1])) }
            skew = v; formatField = formatField[..<colon]
        }
        if let x = formatField.firstIndex(of: "x") {
            guard let v = Int(formatField[formatField.index(after: x)...]), v >= 1 else { throw .invalid(line: line, field: "samples per frame", value: String(f[1])) }
            if v > WFDBLimits.maximumSamplesPerFrame {
                throw .limit(line: line, field: "samples per frame", value: "\(v)", limit: "WFDBLimits.maximumSamplesPerFrame (\(WFDBLimits.maximumSamplesPerFrame))")
            }
            spf = v; formatField = formatField[..<x]
        }
        guard let code = Int(formatField) else { throw .invalid(line: line, field: "format", value: String(f[1])) }
        guard let format = SignalFormat(rawValue: code) else { throw .unknownFormat(line: line, format: String(formatField)) }

        // adc gain[(baseline)][/units]
        var gain = 200.0, gainGiven = false, baseline: Int?, units = "mV"
        if f.count > 2 {
            var g = f[2]
            if let slash = g.firstIndex(of: "/") { units = String(g[g.index(after: slash)...]); g = g[..<slash] }
            if let open = g.firstIndex(of: "(") {
                guard g.hasSuffix(")"), let b = Int(g[g.index(after: open)..<g.index(before: g.endIndex)]) else {
                    throw .invalid(line: line, field: "baseline", value: String(f[2]))
                }
                baseline = b; g = g[..<open]
            }
            guard let value = Double(g), value >= 0 else { throw .invalid(line: line, field: "ADC gain", value: String(f[2])) }
            if value > WFDBLimits.maximumGain { throw .limit(line: line, field: "ADC gain", value: String(g), limit: "WFDBLimits.maximumGain (\(Int(WFDBLimits.maximumGain)))") }
            if value > 0 { gain = value; gainGiven = true }
        }
        func integer(_ index: Int, _ name: String) throws(ParseError) -> Int? {
            guard f.count > index else { return nil }
            guard let v = Int(f[index]) else { throw .invalid(line: line, field: name, value: String(f[index])) }
            return v
        }
        let resolution = try integer(3, "ADC resolution") ?? format.defaultResolution
        let adcZero = try integer(4, "ADC zero") ?? 0
        let initial = try integer(5, "initial value") ?? adcZero
        let checksum = try integer(6, "checksum")
        let blockSize = try integer(7, "block size") ?? 0
        let description = f.count > 8 ? f[8...].joined(separator: " ") : ""
        return SignalSpecification(
            fileName: String(f[0]), format: format, samplesPerFrame: spf, skew: skew, byteOffset: byteOffset,
            gain: gain, gainWasGiven: gainGiven, baseline: baseline ?? adcZero, units: units,
            resolution: resolution == 0 ? format.defaultResolution : resolution, adcZero: adcZero,
            initialValue: initial, checksum: checksum, blockSize: blockSize, description: description)
    }
}

private extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
