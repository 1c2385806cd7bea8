import MedPipeCore

/// The geometry and rescale of an enhanced multi-frame image (Enhanced CT, MR, PET, SEG...), which keeps them in
/// functional groups (PS3.3 C.7.6.16) instead of the top level: Pixel Measures (pixel spacing, slice thickness, spacing
/// between slices) and Plane Orientation in the shared groups, or else in the first frame's, and each frame's Plane
/// Position in its own; the Pixel Value Transformation (Rescale Slope and Intercept) in the shared groups or each
/// frame's.
struct DICOMFunctionalGroups {
    var pixelSpacing: [Double]?
    var sliceThickness: Double?
    var spacingBetweenSlices: Double?
    var orientation: [Double]?
    /// Image Position (Patient) of each frame that has one, by frame.
    var positions: [Int: [Double]] = [:]
    /// The Pixel Value Transformation's Rescale Slope and Intercept in the shared groups.
    var sharedRescale: DICOMRescale?
    /// The Pixel Value Transformation of each frame that has one in its own groups, by frame.
    var frameRescales: [Int: DICOMRescale] = [:]

    private static let shared = "(5200,9229)[0].", perFrame = "(5200,9230)["
    private static let pixelSpacingPath = "(0028,9110)[0].(0028,0030)", thicknessPath = "(0028,9110)[0].(0018,0050)",
                       betweenPath = "(0028,9110)[0].(0018,0088)", orientationPath = "(0020,9116)[0].(0020,0037)",
                       positionPath = "(0020,9113)[0].(0020,0032)", slopePath = "(0028,9145)[0].(0028,1053)",
                       interceptPath = "(0028,9145)[0].(0028,1052)"
}

extension DICOMFunctionalGroups {
    /// Reads the functional groups of `file` (every attribute walked once); values that are not finite numbers of the
    /// right count are left out.
    init(_ file: DICOMFile) throws {
        var values: [String: [Double]] = [:]
        for attribute in try file.attributes() where attribute.depth == 2 && (attribute.path.hasPrefix(Self.shared) || attribute.path.hasPrefix(Self.perFrame)) {
            let numbers = attribute.value.split(separator: "\\", omittingEmptySubsequences: false).map { Double(String($0).trimmingDICOMPadding()) }
            guard !numbers.isEmpty, numbers.allSatisfy({ $0?.isFinite == true }) else { continue }
            values[attribute.path] = numbers.map { $0! }
        }
        func value(_ path: String, count: Int) -> [Double]? {
            (values[Self.shared + path] ?? values[Self.perFrame + "0]." + path]).flatMap { $0.count == count ? $0 : nil }
        }
        pixelSpacing = value(Self.pixelSpacingPath, count: 2).flatMap { $0.allSatisfy { $0 > 0 } ? $0 : nil }
        sliceThickness = value(Self.thicknessPath, count: 1)?[0]
        spacingBetweenSlices = value(Self.betweenPath, count: 1)?[0]
        orientation = value(Self.orientationPath, count: 6)
        func rescale(_ group: String) -> DICOMRescale? {
            guard let slope = values[group + Self.slopePath], let intercept = values[group + Self.interceptPath],
                  slope.count == 1, intercept.count == 1 else { return nil }
            return DICOMRescale(slope: slope[0], intercept: intercept[0])
        }
        sharedRescale = rescale(Self.shared)
        for path in values.keys where path.hasPrefix(Self.perFrame) {
            guard let frame = Int(path.dropFirst(Self.perFrame.count).prefix { $0 != "]" }) else { continue }
            let group = Self.perFrame + "\(frame)]."
            if path == group + Self.positionPath, let numbers = values[path], numbers.count == 3 { positions[frame] = numbers }
            if path == group + Self.slopePath { frameRescales[frame] = rescale(group) }
        }
    }

    /// The Pixel Value Transformation of a file of `frames` frames: the shared one, or one per frame (a single one when
    /// every frame has the same); nil when no group holds one.
    /// - Throws: `.malformed` naming `path` when some frames have one and others none, whose values are unknown.
    func rescales(frames: Int, path: String) throws -> [DICOMRescale]? {
        if let sharedRescale { return [sharedRescale] }
        guard !frameRescales.isEmpty else { return nil }
        // Counted over the groups present, not over Number of Frames, which a file may set to billions.
        let described = frameRescales.keys.filter { (0..<frames).contains($0) }.count
        guard described == frames else {
            throw MedPipeError.malformed(path, "the Pixel Value Transformation (0028,9145) is in the functional groups of \(described) of \(frames) frames: the other frames' rescale is unknown")
        }
        let rescales = (0..<frames).map { frameRescales[$0]! }
        return rescales.allSatisfy { $0 == rescales[0] } ? [rescales[0]] : rescales
    }

    /// The step from one frame to the next, when every one of `frames` frames has a position and they lie evenly
    /// spaced on a line (a volume); nil otherwise (a SEG's frames repeat positions, one per segment), and when the step
    /// or its length is not a finite number (positions near the `Double` limits), which would make every position fit.
    func frameStep(frames: Int) -> [Double]? {
        guard frames > 1, let first = positions[0], let second = positions[1] else { return nil }
        let step = zip(second, first).map { $0 - $1 }
        let length = step.map { $0 * $0 }.reduce(0, +).squareRoot()
        guard length > 0, length.isFinite else { return nil }
        for f in 2..<frames {
            guard let p = positions[f], zip(p, first).enumerated().allSatisfy({ i, pair in abs(pair.0 - pair.1 - Double(f) * step[i]) <= 1e-3 * length }) else { return nil }
        }
        return step
    }
}
