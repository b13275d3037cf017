/// A rhythm event the firmware logs from its beat labels.
public struct RhythmEvent: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        /// `RhythmMonitor.runLength` or more consecutive ventricular beats.
        case ventricularRun = 1
        /// As many consecutive supraventricular ectopic beats.
        case supraventricularRun = 2
        /// No beat for longer than the monitor's pause.
        case pause = 3

        public var name: String {
            switch self {
            case .ventricularRun: return "ventricular_run"
            case .supraventricularRun: return "supraventricular_run"
            case .pause: return "pause"
            }
        }
    }

    public var kind: Kind
    /// The first beat of a run, or the beat before a pause (stream sample index).
    public var sample: Int
    /// Beats in a run; 0 for a pause.
    public var beats: Int
    /// A run's rate in beats per minute, or a pause's length in milliseconds.
    public var value: Int

    public init(kind: Kind, sample: Int, beats: Int, value: Int) {
        self.kind = kind; self.sample = sample; self.beats = beats; self.value = value
    }
}

/// Turns the beat loop's labels into rhythm events, causally and in fixed memory:
/// runs of three or more ventricular (or supraventricular ectopic) beats, logged when
/// the run ends, and pauses, logged at the beat that ends them. Integer arithmetic
/// only, so the device and the host log the same events.
public struct RhythmMonitor: Sendable {
    public static let runLength = 3
    public let sampleRate: Int
    public let pauseSamples: Int
    private let ventricular: Int?
    private let supraventricular: Int?
    private var previous: BeatLabel?
    private var runClass = -1, runStart = 0, runLast = 0, runCount = 0

    /// - Parameters:
    ///   - classes: the model's class names; "V" and "S" are the ones watched.
    ///   - pauseMilliseconds: a gap between beats longer than this is a pause.
    public init(sampleRate: Int, classes: [String], pauseMilliseconds: Int = 3000) {
        self.sampleRate = sampleRate
        pauseSamples = pauseMilliseconds * sampleRate / 1000
        var v: Int?, s: Int?
        // Compared as bytes: on the device String's == would need Unicode data.
        for (i, name) in classes.enumerated() {
            if name.utf8.elementsEqual("V".utf8) { v = i }
            if name.utf8.elementsEqual("S".utf8) { s = i }
        }
        ventricular = v
        supraventricular = s
    }

    /// Takes the next label; `emit` receives the events it completes (at most two).
    public mutating func process(_ label: BeatLabel, emit: (RhythmEvent) -> Void) {
        if let previous, label.sample - previous.sample > pauseSamples {
            emit(RhythmEvent(kind: .pause, sample: previous.sample, beats: 0, value: (label.sample - previous.sample) * 1000 / sampleRate))
        }
        previous = label
        if label.classIndex == runClass {
            runCount += 1
            runLast = label.sample
            return
        }
        finishRun(emit)
        if label.classIndex == ventricular || label.classIndex == supraventricular {
            runClass = label.classIndex
            runStart = label.sample
            runLast = label.sample
            runCount = 1
        }
    }

    /// Logs a run still open at the end of the stream.
    public mutating func finish(emit: (RhythmEvent) -> Void) { finishRun(emit) }

    private mutating func finishRun(_ emit: (RhythmEvent) -> Void) {
        defer { runClass = -1; runCount = 0 }
        guard runCount >= Self.runLength else { return }
        let span = runLast - runStart
        // Beats per minute, rounded to nearest: 60 · rate · (count − 1) / span.
        let bpm = span > 0 ? (120 * sampleRate * (runCount - 1) / span + 1) / 2 : 0
        emit(RhythmEvent(kind: runClass == ventricular ? .ventricularRun : .supraventricularRun, sample: runStart, beats: runCount, value: bpm))
    }
}
