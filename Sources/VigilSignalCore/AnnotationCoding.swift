/// Why an MIT-format annotation byte stream could not be decoded. Each case
/// gives the byte offset where decoding stopped.
public enum AnnotationFormatError: Error, Sendable, Equatable {
    case oddLength(byteCount: Int)
    case truncatedSkip(offset: Int)
    case truncatedAux(offset: Int, declaredLength: Int)
    case modifierBeforeAnnotation(offset: Int)
    case negativeTime(offset: Int, sample: Int)
    case sampleOutOfOrder(index: Int)
    case negativeSample(index: Int)
    case auxTooLong(index: Int, length: Int)
    case codeOutOfRange(index: Int, code: UInt8)

    public var description: String {
        switch self {
        case .oddLength(let n): "odd number of bytes (\(n)); MIT annotations are 16-bit words"
        case .truncatedSkip(let o): "SKIP at byte \(o) is cut short"
        case .truncatedAux(let o, let l): "AUX at byte \(o) declares \(l) bytes past the end of the file"
        case .modifierBeforeAnnotation(let o): "NUM/SUB/CHN/AUX at byte \(o) precedes any annotation"
        case .negativeTime(let o, let s): "annotation time becomes negative (\(s)) at byte \(o)"
        case .sampleOutOfOrder(let i): "annotation \(i) is earlier than the one before it"
        case .negativeSample(let i): "annotation \(i) has a negative sample number"
        case .auxTooLong(let i, let l): "annotation \(i) has \(l) aux bytes; at most 255 fit"
        case .codeOutOfRange(let i, let c): "annotation \(i) has code \(c); MIT format holds 1...49"
        }
    }
}

/// The MIT annotation format (WFDB `annot.c`, `wfdb.rdann`/`wrann`): a stream
/// of little-endian 16-bit words, 6 bits of code A and 10 bits of data I.
/// A = 1...49: an annotation I samples after the previous one. A = 59 SKIP: the
/// next two words are a 32-bit interval, high word first. A = 60 NUM, 61 SUB,
/// 62 CHN: set that field of the preceding annotation to the low byte of I
/// (NUM and CHN then carry over). A = 63 AUX: I bytes follow, padded to even.
/// A word of 0 ends the stream.
public enum MITAnnotationCoding {
    static let skip: UInt16 = 59, num: UInt16 = 60, sub: UInt16 = 61, chn: UInt16 = 62, aux: UInt16 = 63

    public static func decode(_ bytes: [UInt8]) throws(AnnotationFormatError) -> [Annotation] {
        guard bytes.count % 2 == 0 else { throw .oddLength(byteCount: bytes.count) }
        var result: [Annotation] = []
        var time = 0
        var number: Int8 = 0
        var channel: UInt8 = 0
        var offset = 0
        func word(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
        while offset + 1 < bytes.count {
            let w = word(offset)
            let code = w >> 10
            let data = Int(w & 0x3FF)
            switch code {
            case 0 where data == 0:
                return result
            case skip:
                guard offset + 6 <= bytes.count else { throw .truncatedSkip(offset: offset) }
                let high = UInt32(word(offset + 2)), low = UInt32(word(offset + 4))
                time += Int(Int32(bitPattern: high << 16 | low))
                if time < 0 { throw .negativeTime(offset: offset, sample: time) }
                offset += 6
            case num, sub, chn:
                guard !result.isEmpty else { throw .modifierBeforeAnnotation(offset: offset) }
                let low = UInt8(truncatingIfNeeded: data)
                if code == num { number = Int8(bitPattern: low); result[result.count - 1].number = number }
                if code == sub { result[result.count - 1].subtype = Int8(bitPattern: low) }
                if code == chn { channel = low; result[result.count - 1].channel = channel }
                offset += 2
            case aux:
                guard !result.isEmpty else { throw .modifierBeforeAnnotation(offset: offset) }
                let length = data & 0xFF
                let start = offset + 2
                guard start + length <= bytes.count else { throw .truncatedAux(offset: offset, declaredLength: length) }
                result[result.count - 1].aux = Array(bytes[start..<(start + length)])
                offset = start + length + (length & 1)
            default:
                time += data
                result.append(Annotation(sample: time, code: AnnotationCode(UInt8(code)), channel: channel, number: number))
                offset += 2
            }
        }
        return result
    }

    /// Encodes as `wfdb.wrann` does (without the optional time-resolution
    /// preamble): SKIP before any interval over 1023, NUM and CHN only when they
    /// change, SUB when non-zero, AUX when non-empty, then the end word.
    public static func encode(_ annotations: [Annotation]) throws(AnnotationFormatError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(annotations.count * 2 + 2)
        func put(_ w: UInt16) { out.append(UInt8(w & 0xFF)); out.append(UInt8(w >> 8)) }
        var previous = 0
        var number: Int8 = 0
        var channel: UInt8 = 0
        for (index, a) in annotations.enumerated() {
            guard a.sample >= 0 else { throw .negativeSample(index: index) }
            guard a.sample >= previous else { throw .sampleOutOfOrder(index: index) }
            guard (1...49).contains(a.code.rawValue) else { throw .codeOutOfRange(index: index, code: a.code.rawValue) }
            guard a.aux.count <= 255 else { throw .auxTooLong(index: index, length: a.aux.count) }
            var interval = a.sample - previous
            previous = a.sample
            while interval > 1023 {
                let n = min(interval, Int(Int32.max))
                put(skip << 10)
                put(UInt16(truncatingIfNeeded: n >> 16))
                put(UInt16(truncatingIfNeeded: n))
                interval -= n
            }
            put(UInt16(a.code.rawValue) << 10 | UInt16(interval))
            if a.number != number { put(num << 10 | UInt16(UInt8(bitPattern: a.number))); number = a.number }
            if a.subtype != 0 { put(sub << 10 | UInt16(UInt8(bitPattern: a.subtype))) }
            if a.channel != channel { put(chn << 10 | UInt16(a.channel)); channel = a.channel }
            if !a.aux.isEmpty {
                put(aux << 10 | UInt16(a.aux.count))
                out += a.aux
                if a.aux.count & 1 == 1 { out.append(0) }
            }
        }
        put(0)
        return out
    }
}
