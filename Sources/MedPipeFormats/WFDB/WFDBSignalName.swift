/// A WFDB signal description (the free text ending a header's signal line) as it may leave de-identification.
///
/// A description names the signal (`MLII`, `V1`, `ECG lead II`, `ABP`, `Resp. Imp.`), and recipes choose leads by
/// it, but nothing stops it holding a patient's name or record number. Only a plain signal name passes: at most
/// ``maximumLength`` ASCII characters, words separated by blanks, `_`, `-`, `.` or `,`, each word a known signal word
/// (``words``, any case), such a word followed by up to three digits (`V5`, `MCL1`, `Fp2`, `ch1`), or a number of
/// up to three digits, with at least one signal word. Anything else is replaced by a neutral name, `sig` and the
/// signal's index.
public enum WFDBSignalName {
    /// The longest description kept.
    public static let maximumLength = 32

    /// Words of signal names, lower case: ECG leads (limb, augmented, precordial, modified limb and chest leads,
    /// vectorcardiographic axes), the 10-20 EEG electrode letters, physiological signals and the generic words
    /// of numbered channels (`sig 0`, `ch1`, `col 2`).
    public static let words: Set<String> = [
        "ecg", "ekg", "lead", "i", "ii", "iii", "avr", "avl", "avf", "v", "ml", "mli", "mlii", "mliii", "mcl", "cm", "cc",
        "d", "x", "y", "z", "vx", "vy", "vz", "a", "c", "f", "fp", "fz", "cz", "pz", "oz", "o", "p", "t", "eeg", "emg", "eog",
        "abp", "art", "pap", "cvp", "icp", "cpp", "lap", "rap", "uap", "pa", "bp", "nbp", "sbp", "dbp", "mbp", "map",
        "pleth", "ppg", "spo2", "sao2", "so2", "co2", "etco2", "o2", "resp", "imp", "flow", "airflow", "thor", "abd", "abdo",
        "chest", "hr", "pulse", "temp", "pressure", "edr", "stim", "sig", "signal", "ch", "chan", "channel", "col", "fmt",
    ]

    /// True when `description` is a plain signal name (or empty), which may be kept as it is.
    public static func isPlain(_ description: String) -> Bool {
        if description.isEmpty { return true }
        guard description.utf8.count <= maximumLength, description.unicodeScalars.allSatisfy(\.isASCII) else { return false }
        let separators: Set<Character> = [" ", "\t", "_", "-", ".", ","]
        var named = false
        for word in description.lowercased().split(whereSeparator: { separators.contains($0) }) {
            let digits = word.reversed().prefix { $0.isNumber }.count
            guard digits <= 3, word.allSatisfy({ $0.isLetter || $0.isNumber }) else { return false }
            if words.contains(String(word)) || (digits > 0 && words.contains(String(word.dropLast(digits)))) {
                named = true
            } else if digits != word.count {
                return false
            }
        }
        return named
    }

    /// The neutral name of signal `index`: `sig0`, `sig1`...
    public static func neutral(_ index: Int) -> String { "sig\(index)" }

    /// `description` when it is plain (``isPlain(_:)``), else the neutral name of signal `index`.
    public static func safe(_ description: String, index: Int) -> String {
        isPlain(description) ? description : neutral(index)
    }

    /// Each of `descriptions` made safe (``safe(_:index:)``) by its position.
    public static func safe(_ descriptions: [String]) -> [String] {
        descriptions.enumerated().map { safe($0.element, index: $0.offset) }
    }
}
