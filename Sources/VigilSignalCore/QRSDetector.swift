/// A detected QRS complex.
public struct QRSDetection: Sendable, Equatable {
    /// Sample index of the R peak (largest |amplitude| of the conditioned signal).
    public var sample: Int
    /// Sample index at which the detector decided; `decidedAt - sample` is the detection delay.
    public var decidedAt: Int
    /// True when the beat was recovered by search-back at a lowered threshold.
    public var foundBySearchBack: Bool

    public init(sample: Int, decidedAt: Int, foundBySearchBack: Bool) {
        self.sample = sample; self.decidedAt = decidedAt; self.foundBySearchBack = foundBySearchBack
    }
}

/// Streaming QRS detector of the Pan-Tompkins / Hamilton-Tompkins (OSEA) class.
///
/// Causal and fixed-memory: every buffer is allocated in `init`, and
/// `process(_:)` takes one sample (in mV) and returns at most one detection.
/// Stages: QRS band (5–15 Hz, beside the 0.5–40 Hz conditioning band kept for R location) → five-point
/// derivative → |·| → moving-window integration (80 ms) → peak picking with a
/// 200 ms pre-blank (a larger peak within 200 ms replaces a pending one) →
/// adaptive threshold between the running means of the last 8 QRS and last 8
/// noise peaks → baseline-shift rejection (a QRS has a matching up- and
/// down-slope within 150 ms) → T-wave discrimination (within 360 ms of the
/// previous QRS and under half its steepest slope: a T wave) → search-back
/// (no QRS for 1.5 mean RR: take the largest noise peak above half the
/// threshold, at least 360 ms after the last QRS) → re-learning after 8 s
/// without a QRS.
///
/// Detection delay: a regular detection is decided `preBlank` (200 ms) after
/// the integrated peak falls, which is 0.30–0.42 s after the R peak (see
/// docs/signal.md for measured figures); search-back detections are decided
/// up to 1.5 mean RR + 0.3 s after the R peak.
public struct QRSDetector: Sendable {
    public struct Configuration: Sendable {
        public var sampleRate: Double
        public var qrsBand: (low: Double, high: Double) = (5, 15)
        public var integrationWindow: Double = 0.080
        public var preBlank: Double = 0.200
        public var peakTimeout: Double = 0.095
        public var refractory: Double = 0.200
        public var tWaveWindow: Double = 0.360
        public var searchBackFactor: Double = 1.5
        /// Threshold = noise mean + fraction · (QRS mean − noise mean).
        public var thresholdFraction: Float = 0.3125
        public var learningPeriod: Double = 8
        /// Peaks of the integrated |slope| below this (mV/s) are ignored as noise floor.
        public var minimumPeak: Float = 1.5
        /// Lag of the integrated peak behind the R peak, used to place the R search.
        public var integrationLag: Double = 0.075
        /// Half-width of the R-peak search around the lag-corrected estimate.
        public var peakSearchHalfWidth: Double = 0.070
        /// Half-width of the slope window used for baseline-shift and T-wave checks.
        public var slopeWindowHalfWidth: Double = 0.110
        public var mains: Double? = nil

        public init(sampleRate: Double) { self.sampleRate = sampleRate }
    }

    private struct Candidate: Sendable {
        var value: Float
        var integratedPeakAt: Int
    }

    private struct Evaluated: Sendable {
        var value: Float
        var sample: Int
        var maxSlope: Float
    }

    public let configuration: Configuration
    // Filters and stage state.
    // Sections as stored values (not an array) so the per-sample path has no
    // copy-on-write checks; same coefficients and order as `ECGFilters.conditioning`.
    private var conditioningSections: (Biquad, Biquad, Biquad?)
    private var qrsHighPass: Biquad
    private var qrsLowPass: Biquad
    private var bandHistory: (Float, Float, Float, Float) = (0, 0, 0, 0)
    private var integrationTerms: RingBuffer
    private var integrationSum: Float = 0
    private let derivativeScale: Float
    // Histories for R location and slope checks.
    private var conditioned: RingBuffer
    // Peak picking.
    private var lastIntegrated: Float = 0
    private var peakMax: Float = 0
    private var peakMaxAt = 0
    private var timeSinceMax = 0
    private var pending: Candidate?
    private var preBlankLeft = 0
    // Decision state.
    private var qrsLevel: RunningMean
    private var noiseLevel: RunningMean
    private var rrMean: RunningMean
    private var threshold: Float = 0
    private var lastQRS: Int?
    private var searchBackDeadline = Int.max
    private var lastMaxSlope: Float = 0
    private var searchBackCandidate: Evaluated?
    private var secondMaxima: [Float]
    private var secondMax: Float = 0
    private var secondCounter = 0
    private var samplesSinceQRS = 0
    private var learning = true
    /// Absolute index of the next input sample.
    public private(set) var sampleIndex = 0
    /// The conditioned (0.5–40 Hz) value of the last input sample: what beat windows are cut from.
    public private(set) var conditionedSample: Float = 0
    // Sample counts derived from the configuration.
    private let width, preBlankSamples, timeoutSamples, refractorySamples, tWaveSamples: Int
    private let lagSamples, searchHalf, slopeHalf, oneSecond, learningSamples: Int

    public init(configuration: Configuration) {
        self.configuration = configuration
        let fs = configuration.sampleRate
        func samples(_ seconds: Double) -> Int { max(1, Int((seconds * fs).rounded())) }
        width = samples(configuration.integrationWindow)
        preBlankSamples = samples(configuration.preBlank)
        timeoutSamples = samples(configuration.peakTimeout)
        refractorySamples = samples(configuration.refractory)
        tWaveSamples = samples(configuration.tWaveWindow)
        lagSamples = samples(configuration.integrationLag)
        searchHalf = samples(configuration.peakSearchHalfWidth)
        slopeHalf = samples(configuration.slopeWindowHalfWidth)
        oneSecond = samples(1)
        learningSamples = samples(configuration.learningPeriod)
        let chain = ECGFilters.conditioning(sampleRate: fs, mains: configuration.mains).sections
        conditioningSections = chain.count == 3 ? (chain[0], chain[2], chain[1]) : (chain[0], chain[1], nil)
        let band = ECGFilters.bandPass(low: configuration.qrsBand.low, high: configuration.qrsBand.high, sampleRate: fs).sections
        qrsHighPass = band[0]
        qrsLowPass = band[1]
        integrationTerms = RingBuffer(capacity: width)
        derivativeScale = Float(fs / 8)
        // The R search reaches back lag + pre-blank + timeout + search + slope window.
        let history = lagSamples + preBlankSamples + timeoutSamples + searchHalf + slopeHalf + width + 8
        conditioned = RingBuffer(capacity: history)
        qrsLevel = RunningMean(length: 8, initial: 0)
        noiseLevel = RunningMean(length: 8, initial: 0)
        rrMean = RunningMean(length: 8, initial: Float(oneSecond))
        secondMaxima = []
        secondMaxima.reserveCapacity(8)
    }

    public init(sampleRate: Double) { self.init(configuration: Configuration(sampleRate: sampleRate)) }

    /// Feeds one sample (mV). Returns a detection when one is decided at this sample.
    public mutating func process(_ x: Float) -> QRSDetection? {
        let n = sampleIndex
        sampleIndex += 1

        // Conditioning (baseline high-pass, optional notch, 40 Hz low-pass), kept for R location and slopes.
        var c = conditioningSections.0.process(x)
        if conditioningSections.2 != nil { c = conditioningSections.2!.process(c) }
        c = conditioningSections.1.process(c)
        conditionedSample = c
        conditioned.append(c)

        // QRS band (from the raw input, so the two filter chains are independent and
        // overlap in the pipeline), five-point derivative, magnitude, moving-window integration.
        let b = qrsLowPass.process(qrsHighPass.process(x))
        let (b1, b2, b3, b4) = bandHistory
        let d = (2 * b + b1 - b3 - 2 * b4) * derivativeScale
        bandHistory = (b, b1, b2, b3)
        let term = d < 0 ? -d : d
        if integrationTerms.count >= width { integrationSum -= integrationTerms[integrationTerms.count - width] }
        integrationTerms.append(term)
        integrationSum += term
        if integrationTerms.count % width == 0 {
            // Re-sum once per window so rounding in the running sum cannot drift.
            var exact: Float = 0
            for i in (integrationTerms.count - width)..<integrationTerms.count { exact += integrationTerms[i] }
            integrationSum = exact
        }
        let integrated = integrationSum / Float(width)

        // Per-second maxima, for learning and for re-learning after a long silence.
        trackSecondMaxima(integrated)
        samplesSinceQRS += 1

        let peak = pickPeak(integrated, at: n)
        guard !learning else { return nil }

        var detection: QRSDetection?
        if let released = preBlank(peak) {
            detection = classify(released, now: n)
        }
        if detection == nil { detection = searchBack(now: n) }
        return detection
    }

    /// OSEA's peak picker: a peak ends when the signal falls to half its
    /// maximum or `peakTimeout` after the maximum.
    @inline(__always)
    private mutating func pickPeak(_ value: Float, at n: Int) -> Candidate? {
        var found: Candidate?
        if timeSinceMax > 0 { timeSinceMax += 1 }
        if value > lastIntegrated && value > peakMax {
            peakMax = value
            peakMaxAt = n
            if peakMax > configuration.minimumPeak * 0.25 { timeSinceMax = 1 }
        } else if value < peakMax / 2 || timeSinceMax > timeoutSamples {
            if peakMax >= configuration.minimumPeak { found = Candidate(value: peakMax, integratedPeakAt: peakMaxAt) }
            peakMax = 0
            timeSinceMax = 0
        }
        lastIntegrated = value
        return found
    }

    /// Holds a peak for `preBlank`; a larger peak in that time replaces it.
    @inline(__always)
    private mutating func preBlank(_ peak: Candidate?) -> Candidate? {
        if let peak {
            if let held = pending, held.value >= peak.value {
                preBlankLeft -= 1
            } else {
                pending = peak
                preBlankLeft = preBlankSamples
                return nil
            }
        } else if pending != nil {
            preBlankLeft -= 1
        }
        if preBlankLeft <= 0, let held = pending {
            pending = nil
            return held
        }
        return nil
    }

    private mutating func classify(_ candidate: Candidate, now: Int) -> QRSDetection? {
        guard let evaluated = evaluate(candidate) else { return nil }  // baseline shift: ignored
        var isQRS = evaluated.value > threshold
        if isQRS, let last = lastQRS {
            let interval = evaluated.sample - last
            if interval < refractorySamples { isQRS = false }
            if interval < tWaveSamples && evaluated.maxSlope < lastMaxSlope / 2 { isQRS = false }
        }
        if isQRS {
            accept(evaluated)
            return QRSDetection(sample: evaluated.sample, decidedAt: now, foundBySearchBack: false)
        }
        noiseLevel.push(evaluated.value)
        updateThreshold()
        let farEnough = lastQRS.map { evaluated.sample - $0 >= tWaveSamples } ?? true
        if farEnough && evaluated.value > (searchBackCandidate?.value ?? 0) { searchBackCandidate = evaluated }
        return nil
    }

    @inline(__always)
    private mutating func searchBack(now: Int) -> QRSDetection? {
        guard now > searchBackDeadline, let candidate = searchBackCandidate, candidate.value > threshold / 2 else { return nil }
        accept(candidate)
        return QRSDetection(sample: candidate.sample, decidedAt: now, foundBySearchBack: true)
    }

    private mutating func accept(_ beat: Evaluated) {
        qrsLevel.push(beat.value)
        updateThreshold()
        if let last = lastQRS { rrMean.push(Float(beat.sample - last)) }
        lastQRS = beat.sample
        // Search back once 1.5 mean RR have passed, plus the time a regular detection takes to be decided.
        searchBackDeadline = beat.sample + Int(Float(configuration.searchBackFactor) * rrMean.mean) + preBlankSamples + width + lagSamples
        lastMaxSlope = beat.maxSlope
        searchBackCandidate = nil
        samplesSinceQRS = 0
        secondMaxima.removeAll(keepingCapacity: true)
        secondMax = 0
        secondCounter = 0
    }

    private mutating func updateThreshold() {
        threshold = noiseLevel.mean + configuration.thresholdFraction * (qrsLevel.mean - noiseLevel.mean)
    }

    /// Locates the R peak near the lag-corrected estimate and checks the slopes
    /// around it. Returns nil for a baseline shift (no matching up- and down-slope).
    private func evaluate(_ candidate: Candidate) -> Evaluated? {
        let estimate = candidate.integratedPeakAt - lagSamples
        var best = estimate, bestValue: Float = -1
        for i in (estimate - searchHalf)...(estimate + searchHalf) where conditioned.holds(i) {
            let v = conditioned[i] < 0 ? -conditioned[i] : conditioned[i]
            if v > bestValue { bestValue = v; best = i }
        }
        var maxUp: Float = 0, maxDown: Float = 0, upAt = best, downAt = best
        for i in (best - slopeHalf)...(best + slopeHalf) where conditioned.holds(i - 2) && conditioned.holds(i) {
            let s = conditioned[i] - conditioned[i - 2]  // central difference at i − 1
            if s > maxUp { maxUp = s; upAt = i } else if -s > maxDown { maxDown = -s; downAt = i }
        }
        let within = abs(upAt - downAt) < Int((0.150 * configuration.sampleRate).rounded())
        guard maxUp > maxDown / 8, maxDown > maxUp / 8, within else { return nil }
        return Evaluated(value: candidate.value, sample: best, maxSlope: max(maxUp, maxDown))
    }

    /// Learning: the first `learningPeriod` seconds seed the QRS level with
    /// per-second maxima. Later, 8 s without a QRS re-seeds it the same way.
    @inline(__always)
    private mutating func trackSecondMaxima(_ value: Float) {
        if value > secondMax { secondMax = value }
        secondCounter += 1
        guard secondCounter >= oneSecond else { return }
        closeSecond()
    }

    private mutating func closeSecond() {
        secondMaxima.append(secondMax)
        secondMax = 0
        secondCounter = 0
        guard secondMaxima.count >= learningSamples / oneSecond else { return }
        if learning || samplesSinceQRS >= learningSamples {
            qrsLevel.replace(with: secondMaxima)
            noiseLevel.fill(0)
            updateThreshold()
            searchBackCandidate = nil
            learning = false
        }
        secondMaxima.removeAll(keepingCapacity: true)
    }
}
