/// Percentiles as NumPy computes them by default (`method="linear"`): for sorted values `a` of
/// length n and percentile q, the position `h = (n − 1)·q/100` is interpolated between `a[⌊h⌋]`
/// and `a[⌊h⌋ + 1]` with NumPy's two-sided lerp. Uses selection, not a full sort.
enum Percentile {
    /// The percentiles `qs` (0...100) of `values`; reorders `values`. `values` must not be empty.
    static func compute(_ values: inout [Float], _ qs: [Double]) -> [Double] {
        precondition(!values.isEmpty)
        let n = values.count
        return values.withUnsafeMutableBufferPointer { buffer in
            qs.map { q in
                let h = Double(n - 1) * q / 100
                let lo = min(Int(h.rounded(.down)), n - 1)
                let t = h - Double(lo)
                let a = Double(select(buffer, lo))
                guard t > 0, lo + 1 < n else { return a }
                // The next order statistic is the minimum of the part above `lo` after selection.
                var b = buffer[lo + 1]
                for i in (lo + 2)..<n where buffer[i] < b { b = buffer[i] }
                let diff = Double(b) - a
                return t < 0.5 ? a + diff * t : Double(b) - diff * (1 - t)
            }
        }
    }

    /// Quickselect (Hoare partition, median-of-three): puts the k-th smallest at `k`, smaller before.
    private static func select(_ a: UnsafeMutableBufferPointer<Float>, _ k: Int) -> Float {
        var lo = 0, hi = a.count - 1
        while hi > lo {
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }
}
