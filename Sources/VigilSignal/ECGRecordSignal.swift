import Foundation
import VigilSignalCore

/// One ECG lead of a WFDB record, in mV, resampled to the device rate, with
/// the reference annotations mapped to the same rate. This is the replay path:
/// what the simulated implant's front end would have sensed.
public struct ECGRecordSignal: Sendable {
    public var recordName: String
    public var leadName: String
    public var sampleRate: Int
    public var originalRate: Double
    public var samples: [Float]
    /// Reference annotations with `sample` mapped to `sampleRate`; nil when the record has none.
    public var annotations: [Annotation]?

    /// Loads `recordPath`, picks `lead` by name (falling back to the first
    /// signal), converts to mV and resamples to `rate`.
    public static func load(_ recordPath: String, lead: String = "MLII", rate: Int = 256,
                            annotator: String? = "atr") throws(WFDBError) -> ECGRecordSignal {
        let record = try WFDBRecord.read(recordPath)
        guard !record.header.signals.isEmpty else {
            throw .invalidHeader(path: recordPath + ".hea", reason: "the record has no signals")
        }
        let index = record.signalIndex(named: lead) ?? 0
        let fs = record.samplingFrequency(signal: index)
        // The header parser keeps rates within WFDBLimits; checked again here, before
        // the conversion to Int, which traps on a value outside Int's range.
        guard WFDBLimits.samplingFrequency.contains(fs) else {
            throw .invalidHeader(path: recordPath + ".hea", reason: "sampling frequency \(fs) Hz exceeds \(WFDBHeader.frequencyLimit)")
        }
        guard fs == fs.rounded() else {
            throw .unsupported(path: recordPath + ".hea", feature: "resampling from a non-integer rate \(fs) Hz")
        }
        let resampler: Resampler
        do { resampler = try Resampler(from: Int(fs), to: rate) } catch {
            throw .unsupported(path: recordPath + ".hea", feature: "resampling \(fs) Hz to \(rate) Hz: \(error.description)")
        }
        let samples = resampler.resample(record.physical(signal: index))
        var annotations: [Annotation]?
        if let annotator {
            let path = recordPath + "." + annotator
            if FileManager.default.fileExists(atPath: path) {
                // Annotation times count frames; map them through the frame rate.
                let frameResampler = (try? Resampler(from: Int(record.header.samplingFrequency), to: rate)) ?? resampler
                annotations = try AnnotationFile.read(path).map { a in
                    var mapped = a
                    mapped.sample = frameResampler.mapToOutput(a.sample)
                    return mapped
                }
            }
        }
        return ECGRecordSignal(recordName: record.name, leadName: record.header.signals[index].description,
                               sampleRate: rate, originalRate: fs, samples: samples, annotations: annotations)
    }

    /// Runs the streaming detector over the whole signal, sample by sample.
    public func detectQRS(configuration: QRSDetector.Configuration? = nil) -> [QRSDetection] {
        var detector = QRSDetector(configuration: configuration ?? .init(sampleRate: Double(sampleRate)))
        var detections: [QRSDetection] = []
        detections.reserveCapacity(samples.count / sampleRate * 3)
        for x in samples { if let d = detector.process(x) { detections.append(d) } }
        return detections
    }

    /// Reference QRS positions (beat annotations only).
    public var referenceBeats: [Int] { (annotations ?? []).filter { $0.code.isBeat }.map(\.sample) }

    /// EC57 comparison of `detections` with the reference beats: 150 ms window,
    /// first 5 minutes and flutter/fibrillation episodes excluded.
    public func compare(_ detections: [QRSDetection], window: Double = 0.150, skip: Double = 300) -> QRSComparison {
        QRSComparison.compare(reference: referenceBeats, detected: detections.map(\.sample),
                              window: Int(window * Double(sampleRate)), start: Int(skip * Double(sampleRate)),
                              excluded: QRSComparison.flutterEpisodes(annotations ?? [], end: samples.count))
    }
}
