/// The Table E.1-1 option columns chosen for a run; empty means the Basic Profile alone.
public struct DeidentificationOptions: Sendable, Hashable, Codable, ExpressibleByArrayLiteral {
    public var options: Set<ProfileOption>

    public init(_ options: Set<ProfileOption> = []) { self.options = options }
    public init(arrayLiteral elements: ProfileOption...) { options = Set(elements) }

    public func contains(_ option: ProfileOption) -> Bool { options.contains(option) }

    /// Options in table order, for reports and the De-identification Method Code Sequence.
    public var sorted: [ProfileOption] { options.sorted() }

    /// Parses command-line names: the case names (`retainUIDs`) or their kebab form (`retain-uids`),
    /// and `modified-dates` / `full-dates` / `patient-characteristics` / `device-identity` /
    /// `institution-identity` / `uids` / `safe-private` / `descriptors` as short forms.
    public static func option(named name: String) -> ProfileOption? {
        let key = name.lowercased().filter { $0.isLetter }
        for option in ProfileOption.allCases {
            let full = option.rawValue.lowercased()
            let short = full.replacingOccurrences(of: "retainlongitudinal", with: "")
                .replacingOccurrences(of: "retain", with: "").replacingOccurrences(of: "clean", with: "")
            if key == full || key == short { return option }
        }
        return nil
    }

    public init(from decoder: Decoder) throws {
        options = Set(try decoder.singleValueContainer().decode([ProfileOption].self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(sorted)
    }
}
