/// The known key closest to a misspelt `key` (case-insensitive optimal string
/// alignment distance, where swapping two adjacent letters counts as one edit),
/// if one is within two edits. Ties go to the earlier key in `known`.
func closestKey(to key: String, in known: [String]) -> String? {
    var best: (key: String, distance: Int)?
    for candidate in known {
        let distance = editDistance(key.lowercased(), candidate.lowercased())
        if distance <= 2, distance < (best?.distance ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best?.key
}

/// Optimal string alignment distance: insertions, deletions, substitutions and
/// transpositions of adjacent characters each cost one.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs)
    let b = Array(rhs)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    // Rows i-2, i-1 and i of the dynamic-programming table.
    var previousPrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                value = min(value, previousPrevious[j - 2] + 1)
            }
            current[j] = value
        }
        (previousPrevious, previous, current) = (previous, current, previousPrevious)
    }
    return previous[b.count]
}
