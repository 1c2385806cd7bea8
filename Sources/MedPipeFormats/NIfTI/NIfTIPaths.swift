import Foundation

/// The file names of a NIfTI image: one `.nii[.gz]`, or a `.hdr[.gz]` / `.img[.gz]` pair.
enum NIfTIPaths {
    /// The header file for a path naming either file of a pair (an `.img` reads its `.hdr`).
    static func header(for path: String) -> String {
        guard let (base, ext, gz) = split(path), ext.lowercased() == "img" else { return path }
        return sibling(base: base, ext: ext, gz: gz, wanted: "hdr") ?? path
    }

    /// The image file of a pair whose header is `headerPath`, or nil when none exists.
    static func image(forHeader headerPath: String) -> String? {
        guard let (base, ext, gz) = split(headerPath) else { return nil }
        return sibling(base: base, ext: ext, gz: gz, wanted: "img")
    }

    /// `(base, extension, gzipped)` for `base.ext` or `base.ext.gz`.
    private static func split(_ path: String) -> (String, String, Bool)? {
        var name = path
        let gz = name.lowercased().hasSuffix(".gz")
        if gz { name.removeLast(3) }
        guard let dot = name.lastIndex(of: "."), !name[dot...].contains("/") else { return nil }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]), gz)
    }

    /// The existing `base.wanted[.gz]`, in the case of `ext`, same compression first.
    private static func sibling(base: String, ext: String, gz: Bool, wanted: String) -> String? {
        let cased = ext == ext.uppercased() ? wanted.uppercased() : wanted
        let suffixes = gz ? [".gz", ".GZ", ""] : ["", ".gz", ".GZ"]
        for suffix in suffixes {
            let candidate = "\(base).\(cased)\(suffix)"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }
}
