/// One annotation, with every field of the MIT annotation format.
public struct Annotation: Sendable, Equatable {
    /// Sample number (frame number in multi-frequency records), from the start of the record.
    public var sample: Int
    public var code: AnnotationCode
    /// `subtyp`: signed, not carried over between annotations.
    public var subtype: Int8
    /// `chan`: unsigned, carried over to following annotations unless changed.
    public var channel: UInt8
    /// `num`: signed, carried over to following annotations unless changed.
    public var number: Int8
    /// `aux`: raw bytes (up to 255), often ASCII such as a rhythm label "(AFIB".
    public var aux: [UInt8]

    public init(sample: Int, code: AnnotationCode, subtype: Int8 = 0, channel: UInt8 = 0, number: Int8 = 0, aux: [UInt8] = []) {
        self.sample = sample; self.code = code; self.subtype = subtype
        self.channel = channel; self.number = number; self.aux = aux
    }

    /// The aux field as text (lossless for ASCII).
    public var auxText: String { String(decoding: aux, as: UTF8.self) }
}
