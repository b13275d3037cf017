import ArgumentParser
import Foundation
import VigilQuantize
import VigilRuntime
import VigilSignal
import VigilSignalCore

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize a float package to int8 (post-training quantization).",
        discussion: """
        Weights become int8 per output channel (symmetric), biases int32, activations int8 \
        per tensor from calibration statistics (DESIGN §4); the package keeps float inputs \
        and outputs. DATA is an .npz with arrays input_0, input_1, … (batch first, in the \
        source framework's layout, as for `vigil import --check`) and optional `labels`, \
        or one .npy file per model input (repeat the option), or a folder of WFDB records. \
        The report compares float and int8 outputs on --validation DATA (or on the \
        calibration data): top-1 agreement, per-class confusion matrices when labels \
        exist, max abs error, package and arena sizes.

        A WFDB folder goes through the device's signal chain, as `vigil dataset beats`: \
        the --lead resampled to --rate, the causal 0.5-40 Hz conditioning, windows with \
        the R peak at --r-index around the reference annotations (--centers reference, \
        the default, as the models here are trained) or the QRS detector's R peaks \
        (--centers detected), and RR features. A model input [W, 1] takes the windows, \
        an input [F] the F RR features: pre/long, post/long, local/long, pre/post as \
        `vigil dataset beats` writes them, or the features and standardization that \
        --rr-normalization FILE names (JSON: "features", optional "mean" and "std"; \
        names A/B or A_s with A, B in pre, post, local, long), such as \
        Models/arrhythmia/rr_normalization.json. Labels are the reference beats' AAMI \
        classes (--aami-mapping); beats without a class are left out. Calibration takes \
        --calibration-beats beats (default 300, as many as Models/arrhythmia/calibration.npz \
        holds) spread evenly over the records and within each: the min/max observer \
        widens its ranges with every outlier beat a larger sample brings in.
        """)

    @Argument(help: "The float package.")
    var package: String

    @Option(name: .customLong("calibration"), help: "Calibration data (.npz, one .npy per input: repeat, or a WFDB folder).")
    var calibration: [String] = []

    @Option(parsing: .upToNextOption, help: "Records of a WFDB --calibration folder (names, spaces or commas; default: all).")
    var calibrationRecords: [String] = []

    @Option(help: "Beats taken from a WFDB --calibration folder, spread evenly over its records (0: every beat).")
    var calibrationBeats: Int = 300

    @Option(name: .shortAndLong, help: "Where to write the int8 package.")
    var output: String

    @Option(help: "Range observer: minmax, percentile (99.99 %), percentile:P, or kl (entropy).")
    var observer: String = "minmax"

    @Flag(help: "Keep the classifier head (the Dense computing the logits and the Softmax after it) in float: int8 logits and probabilities are coarse steps, so beats near a tie can flip. The package is then no longer integer-only, and its golden vectors get a tolerance.")
    var floatHead = false

    @Option(name: .customLong("keep-float"), help: "Nodes to keep in float, comma-separated (names as `vigil quantize --verbose` lists them): float islands of your choosing, named in the report. The package is then no longer integer-only.")
    var keepFloat: [String] = []

    @Option(help: "Also write the float package, carrying the same input contract as the int8 one (the float reference a device can run).")
    var floatOutput: String?

    @Option(help: "Write the report as JSON to this file.")
    var report: String?

    @Option(name: .customLong("validation"), help: "Held-out data to compare float and int8 on (.npz, one .npy per input, or a WFDB folder).")
    var validation: [String] = []

    @Option(parsing: .upToNextOption, help: "Records of a WFDB --validation folder (default: all).")
    var validationRecords: [String] = []

    @Option(help: "Beats taken from a WFDB --validation folder (0: every beat).")
    var validationBeats: Int = 0

    @Option(help: "WFDB beats: windows around the reference annotations (reference) or the QRS detector's R peaks (detected).")
    var centers: String = WFDBBeatSource.Centers.reference.rawValue

    @Option(help: "WFDB beats: the lead, by header description (falls back to the first signal).")
    var lead: String = "MLII"

    @Option(help: "WFDB beats: the device's sampling rate in Hz; records are resampled to it.")
    var rate: Int = 256

    @Option(help: "WFDB beats: index of the R peak in the window.")
    var rIndex: Int = 90

    @Option(help: "WFDB beats: JSON naming the model's RR features and their mean and std (default: the 4 features of `vigil dataset beats`).")
    var rrNormalization: String?

    @Option(help: "WFDB beats: label mapping, dechazal or ec57.")
    var aamiMapping: String = AAMIMapping.deChazal.rawValue

    @Flag(help: "State the beat loop's input contract (rate, lead, window, RR features, classes) from the WFDB beat options even when the data are NumPy files; WFDB data always states it.")
    var beatClassifier = false

    @Option(help: "State a lead-fault / signal-quality detector's input contract: what each model input holds, in order, comma-separated: signal (the front end's ECG window in mV as sensed) or impedance (the lead impedance in ohms), each [length, 1]; --class-names names its classes.")
    var faultDetector: String?

    @Flag(help: "List every int8 activation tensor's scale and zero point.")
    var verbose = false

    @Option(help: "Comma-separated class names for the report (e.g. N,S,V,F,Q).")
    var classNames: String?

    func validate() throws {
        if calibration.isEmpty { throw ValidationError("give the calibration data with --calibration DATA") }
        if CalibrationObserver(name: observer) == nil {
            throw ValidationError("unknown observer '\(observer)'; use minmax, percentile, percentile:P (50 < P ≤ 100) or kl")
        }
        if WFDBBeatSource.Centers(rawValue: centers) == nil { throw ValidationError("--centers must be reference or detected, not '\(centers)'") }
        if AAMIMapping(rawValue: aamiMapping) == nil { throw ValidationError("--aami-mapping must be dechazal or ec57, not '\(aamiMapping)'") }
        guard rate >= 64 && rate <= 4096 else { throw ValidationError("--rate must be between 64 and 4096 Hz, not \(rate)") }
        guard rIndex >= 0 else { throw ValidationError("--r-index must not be negative") }
        guard calibrationBeats >= 0, validationBeats >= 0 else { throw ValidationError("--calibration-beats and --validation-beats must not be negative") }
        // WFDB options with nothing to apply to would be silently ignored.
        let wfdb = QuantizeDataset.isWFDBFolder(calibration) || QuantizeDataset.isWFDBFolder(validation)
        if !wfdb && (!calibrationRecords.isEmpty || !validationRecords.isEmpty) {
            throw ValidationError("--calibration-records/--validation-records apply to WFDB folders; --calibration and --validation name files")
        }
        if !wfdb && !beatClassifier && rrNormalization != nil {
            throw ValidationError("--rr-normalization applies to WFDB folders, or to the input contract --beat-classifier states; --calibration and --validation name files")
        }
        if faultDetector != nil && (wfdb || beatClassifier || rrNormalization != nil) {
            throw ValidationError("--fault-detector states a fault detector's contract; it does not combine with beats (WFDB folders, --beat-classifier, --rr-normalization)")
        }
        if faultDetector != nil && classNames == nil { throw ValidationError("--fault-detector needs --class-names") }
        if !calibrationRecords.isEmpty && !QuantizeDataset.isWFDBFolder(calibration) { throw ValidationError("--calibration-records needs a WFDB folder as --calibration") }
        if !validationRecords.isEmpty && !QuantizeDataset.isWFDBFolder(validation) { throw ValidationError("--validation-records needs a WFDB folder as --validation") }
        for name in (calibrationRecords + validationRecords).flatMap({ $0.split(separator: ",") }) where name.contains("/") {
            throw ValidationError("invalid record name '\(name)'")
        }
    }

    /// NumPy files, or the beats of a WFDB folder through the device's signal chain.
    func data(_ paths: [String], records: [String], beats: Int, for package: ModelPackage, option: String) throws -> QuantizeDataset {
        guard QuantizeDataset.isWFDBFolder(paths) else { return try QuantizeDataset.load(paths, for: package, option: option) }
        return try beatSource().load(folder: paths[0], records: records, limit: beats, for: package.graph, option: option)
    }

    /// The signal chain the options describe: what WFDB data goes through, and what the
    /// package's input contract states.
    func beatSource() throws -> WFDBBeatSource {
        var source = WFDBBeatSource()
        source.centers = WFDBBeatSource.Centers(rawValue: centers)!
        source.lead = lead
        source.rate = rate
        source.rPeakIndex = rIndex
        source.mapping = AAMIMapping(rawValue: aamiMapping)!
        if let rrNormalization { source.rr = try RRNormalization.load(rrNormalization, option: "--rr-normalization") }
        return source
    }

    func run() throws {
        let quantizer = PostTrainingQuantizer(observer: CalibrationObserver(name: observer)!, floatHead: floatHead,
                                             keepFloat: Set(keepFloat.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }))
        let floatPackage = try PackageFiles.read(package)
        // A model quantized in ONNX's QDQ or QOperator format carries its own parameters:
        // it is lowered to int8 kernels, and the data only feeds the report.
        let carriesQuantization = PostTrainingQuantizer.carriesQuantization(floatPackage.graph)
        if !carriesQuantization { try PostTrainingQuantizer.requireFloat(floatPackage, name: package) }
        let calibrationData = try data(calibration, records: calibrationRecords, beats: calibrationBeats, for: floatPackage, option: "--calibration")
        var (int8Package, summary) = carriesQuantization
            ? try quantizer.lower(package: floatPackage)
            : try quantizer.quantize(package: floatPackage, name: package, calibration: calibrationData)
        // A model fed by the beat chain (WFDB data, or --beat-classifier) gets the whole
        // input contract; otherwise the package keeps the one it had (its layouts).
        let names = classNames.map { $0.split(separator: ",").map(String.init) } ?? []
        if QuantizeDataset.isWFDBFolder(calibration) || QuantizeDataset.isWFDBFolder(validation) || beatClassifier {
            int8Package.inputContract = try beatSource().contract(for: int8Package.graph, classes: names, layouts: floatPackage.contract, option: "--calibration")
        }
        if let faultDetector {
            int8Package.inputContract = try FaultContract.contract(
                for: int8Package.graph, inputs: FaultContract.inputs(faultDetector, option: "--fault-detector"), classes: names,
                rate: rate, lead: lead, layouts: floatPackage.contract, option: "--fault-detector")
        }
        try PackageFiles.write(int8Package, to: output)
        if let floatOutput {
            var stated = floatPackage
            stated.inputContract = int8Package.inputContract
            if let contract = stated.inputContract {
                do { try contract.check(against: stated.graph) } catch { throw CLIError("--float-output: \(error.message)") }
            }
            try PackageFiles.write(stated, to: floatOutput)
        }

        // The comparison: validation data when given, else the calibration set.
        let validationData = try validation.isEmpty ? nil : data(validation, records: validationRecords, beats: validationBeats, for: floatPackage, option: "--validation")
        var report = try QuantizationReport(package: package, output: output, float: floatPackage, int8: int8Package, summary: summary,
                                            observer: quantizer.observer, calibration: calibrationData, validation: validationData, classNames: names)
        report.loweredQDQ = carriesQuantization
        print(report.text(verbose: verbose))
        if let reportPath = self.report {
            do {
                try report.json().write(to: URL(fileURLWithPath: reportPath))
            } catch {
                throw CLIError("\(reportPath): cannot write the report: \(error.localizedDescription)")
            }
            print("wrote \(reportPath)")
        }
    }
}
