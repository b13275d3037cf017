/// WFDB signal storage formats (`signal(5)`) supported by the reader.
public enum SignalFormat: Int, Sendable, CaseIterable {
    /// 8-bit first differences; the running value starts at the header's initial value.
    case difference8 = 8
    /// 16-bit two's complement, little-endian.
    case int16 = 16
    /// 24-bit two's complement, little-endian.
    case int24 = 24
    /// 32-bit two's complement, little-endian.
    case int32 = 32
    /// 16-bit two's complement, big-endian.
    case int16BigEndian = 61
    /// 8-bit offset binary (stored value − 128).
    case offset8 = 80
    /// 16-bit offset binary (stored value − 32768).
    case offset16 = 160
    /// Two 12-bit two's complement samples packed in three bytes (MIT-BIH).
    case packed212 = 212
    /// Three 10-bit samples in two 16-bit words: bits 1–10 of each word, plus the high five bits of each word for the third.
    case packed310 = 310
    /// Three 10-bit samples in one 32-bit little-endian word, bits 0–9, 10–19, 20–29.
    case packed311 = 311

    /// Default ADC resolution in bits when the header omits it.
    public var defaultResolution: Int {
        switch self {
        case .difference8, .offset8: 8
        case .int16, .int16BigEndian, .offset16: 16
        case .int24: 24
        case .int32: 32
        case .packed212: 12
        case .packed310, .packed311: 10
        }
    }

    /// Bytes needed to hold `count` interleaved samples.
    /// `byteCount(samples:)`, or nil when it would leave `Int` (a count from a header).
    public func checkedByteCount(samples count: Int) -> Int? {
        count >= 0 && count <= Int.max / 4 ? byteCount(samples: count) : nil
    }

    public func byteCount(samples count: Int) -> Int {
        switch self {
        case .difference8, .offset8: count
        case .int16, .int16BigEndian, .offset16: 2 * count
        case .int24: 3 * count
        case .int32: 4 * count
        case .packed212: (3 * count + 1) / 2
        case .packed310: 4 * (count / 3) + [0, 2, 4][count % 3]
        case .packed311: 4 * (count / 3) + [0, 2, 3][count % 3]
        }
    }

    /// Decodes `count` interleaved samples from `bytes` into `out` (which it
    /// appends to). Format 8 is returned as differences; `SignalGroupDecoder`
    /// integrates them per signal. The caller guarantees `bytes` is long enough.
    public func decode(_ bytes: UnsafeRawBufferPointer, count: Int, into out: inout [Int32]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        out.withUnsafeMutableBufferPointer { buffer in
            decode(bytes, into: UnsafeMutableBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Decodes `out.count` interleaved samples from `bytes` into `out`.
    public func decode(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Int32>) {
        let count = out.count
        let b = bytes.bindMemory(to: UInt8.self)
        @inline(__always) func u(_ i: Int) -> Int32 { Int32(b[i]) }
        switch self {
        case .difference8:
            for i in 0..<count { out[i] = (Int32(Int8(bitPattern: b[i]))) }
        case .offset8:
            for i in 0..<count { out[i] = (u(i) - 128) }
        case .int16:
            for i in 0..<count { out[i] = (Int32(Int16(bitPattern: UInt16(b[2 * i]) | UInt16(b[2 * i + 1]) << 8))) }
        case .int16BigEndian:
            for i in 0..<count { out[i] = (Int32(Int16(bitPattern: UInt16(b[2 * i]) << 8 | UInt16(b[2 * i + 1])))) }
        case .offset16:
            for i in 0..<count { out[i] = ((u(2 * i) | u(2 * i + 1) << 8) - 32768) }
        case .int24:
            for i in 0..<count {
                let v = u(3 * i) | u(3 * i + 1) << 8 | u(3 * i + 2) << 16
                out[i] = (signExtend(v, bits: 24))
            }
        case .int32:
            for i in 0..<count {
                let v = UInt32(b[4 * i]) | UInt32(b[4 * i + 1]) << 8 | UInt32(b[4 * i + 2]) << 16 | UInt32(b[4 * i + 3]) << 24
                out[i] = (Int32(bitPattern: v))
            }
        case .packed212:
            // Whole pairs first (three bytes, two samples), then a trailing odd sample.
            let pairs = count / 2
            for k in 0..<pairs {
                let mid = u(3 * k + 1)
                out[2 * k] = signExtend(u(3 * k) | (mid & 0x0F) << 8, bits: 12)
                out[2 * k + 1] = signExtend(u(3 * k + 2) | (mid & 0xF0) << 4, bits: 12)
            }
            if count % 2 == 1 {
                out[count - 1] = signExtend(u(3 * pairs) | (u(3 * pairs + 1) & 0x0F) << 8, bits: 12)
            }
        case .packed310:
            for i in 0..<count {
                let base = 4 * (i / 3)
                let v: Int32
                switch i % 3 {
                case 0: v = (u(base) >> 1) | (u(base + 1) & 0x07) << 7
                case 1: v = (u(base + 2) >> 1) | (u(base + 3) & 0x07) << 7
                default: v = (u(base + 1) >> 3) & 0x1F | ((u(base + 3) >> 3) & 0x1F) << 5
                }
                out[i] = (signExtend(v, bits: 10))
            }
        case .packed311:
            for i in 0..<count {
                let base = 4 * (i / 3)
                let v: Int32
                switch i % 3 {
                case 0: v = u(base) | (u(base + 1) & 0x03) << 8
                case 1: v = (u(base + 1) >> 2) | (u(base + 2) & 0x0F) << 6
                default: v = (u(base + 2) >> 4) | (u(base + 3) & 0x3F) << 4
                }
                out[i] = (signExtend(v, bits: 10))
            }
        }
    }
}

/// Sign-extends the low `bits` bits of `value`.
@inline(__always)
func signExtend(_ value: Int32, bits: Int32) -> Int32 {
    let shift = 32 - bits
    return (value << shift) >> shift
}
