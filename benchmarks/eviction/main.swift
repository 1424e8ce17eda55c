// Eviction simulation: LRU, SIEVE and S3-FIFO from Sources/EdgeCache/Eviction,
// compiled together with this file by benchmarks/eviction/run (no SwiftPM
// target). Deterministic: the same seed gives the same table.
//
// Workloads over a catalog of 100,000 objects with log-normal sizes (median
// 32 KiB, sigma 1.5, clamped to 512 B ... 64 MiB: thumbnails next to PDFs
// and videos, like user uploads), popularity independent of size:
//   zipf-0.9, zipf-1.1  Zipf(alpha) requests over the catalog
//   zipf-0.9+scans      the zipf-0.9 stream, plus after every 100,000 of its
//                       requests a scan of 30,000 objects never seen before
//                       and never requested again (a crawler, a batch export)
// Cache sizes are 1%, 5% and 10% of the catalog's bytes. A miss admits the
// object (an object larger than the cache is not admitted). The first 20% of
// each trace warms the cache and is not counted. "Zipf-part" is the hit ratio
// of the catalog requests alone (equal to the object hit ratio without scans).

import Foundation

struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

func logNormalSize(_ random: inout SplitMix64) -> Int {
    // Box-Muller.
    let u1 = max(random.unit(), 1e-12)
    let u2 = random.unit()
    let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    let size = 32_768 * exp(1.5 * normal)
    return min(max(Int(size), 512), 64 << 20)
}

struct Catalog {
    let sizes: [Int]
    let totalBytes: Int

    init(objects: Int, random: inout SplitMix64) {
        sizes = (0..<objects).map { _ in logNormalSize(&random) }
        totalBytes = sizes.reduce(0, +)
    }
}

/// Zipf sampler: cumulative weights 1/rank^alpha, binary search; ranks mapped
/// to object ids through a random permutation so popularity ignores size.
struct Zipf {
    let cumulative: [Double]
    let objectOfRank: [Int32]

    init(objects: Int, alpha: Double, random: inout SplitMix64) {
        var running = 0.0
        cumulative = (1...objects).map { rank in
            running += 1 / pow(Double(rank), alpha)
            return running
        }
        var permutation = (0..<objects).map(Int32.init)
        for index in stride(from: objects - 1, to: 0, by: -1) {
            let other = Int(random.next() % UInt64(index + 1))
            permutation.swapAt(index, other)
        }
        objectOfRank = permutation
    }

    func sample(_ random: inout SplitMix64) -> Int32 {
        let target = random.unit() * cumulative[cumulative.count - 1]
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return objectOfRank[low]
    }
}

struct Trace {
    let name: String
    let requests: [Int32]
    let sizes: [Int]
    let catalogBytes: Int
    /// Ids below this are catalog (Zipf) objects; ids above are scanned once.
    let catalogObjects: Int
}

func makeTrace(
    name: String, catalog: Catalog, alpha: Double, requests: Int, scans: (every: Int, length: Int)?, seed: UInt64
) -> Trace {
    var random = SplitMix64(state: seed)
    let zipf = Zipf(objects: catalog.sizes.count, alpha: alpha, random: &random)
    var sizes = catalog.sizes
    var trace: [Int32] = []
    trace.reserveCapacity(requests + requests / 2)
    var zipfCount = 0
    while trace.count < requests {
        trace.append(zipf.sample(&random))
        zipfCount += 1
        if let scans, zipfCount % scans.every == 0 {
            for _ in 0..<scans.length where trace.count < requests {
                trace.append(Int32(sizes.count))
                sizes.append(logNormalSize(&random))
            }
        }
    }
    return Trace(
        name: name, requests: trace, sizes: sizes, catalogBytes: catalog.totalBytes,
        catalogObjects: catalog.sizes.count)
}

struct Result {
    var objectHitRatio: Double
    var byteHitRatio: Double
    /// Object hit ratio of the Zipf requests alone: how much scans hurt the popular objects.
    var catalogHitRatio: Double
    var nanosecondsPerRequest: Double
}

func simulate<P: EvictionPolicy>(_ policy: inout P, _ trace: Trace) -> Result where P.Key == Int32 {
    let warmup = trace.requests.count / 5
    var hits = 0
    var hitBytes = 0
    var requestBytes = 0
    var catalogRequests = 0
    var catalogHits = 0
    let catalogObjects = Int32(trace.catalogObjects)
    let clock = ContinuousClock()
    let start = clock.now
    for (index, object) in trace.requests.enumerated() {
        let size = trace.sizes[Int(object)]
        let hit = policy.recordAccess(object)
        if !hit { _ = policy.admit(object, size: size) }
        if index >= warmup {
            requestBytes += size
            if hit {
                hits += 1
                hitBytes += size
            }
            if object < catalogObjects {
                catalogRequests += 1
                if hit { catalogHits += 1 }
            }
        }
    }
    let elapsed = clock.now - start
    let counted = trace.requests.count - warmup
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    return Result(
        objectHitRatio: Double(hits) / Double(counted), byteHitRatio: Double(hitBytes) / Double(requestBytes),
        catalogHitRatio: Double(catalogHits) / Double(catalogRequests),
        nanosecondsPerRequest: nanoseconds / Double(trace.requests.count))
}

func percent(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 10
    return "\(scaled)%"
}

// --- main ---------------------------------------------------------------------

var requestCount = 4_000_000
var seed: UInt64 = 20_240_101
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--requests": requestCount = Int(arguments.popFirst() ?? "") ?? requestCount
    case "--seed": seed = UInt64(arguments.popFirst() ?? "") ?? seed
    default:
        print("usage: run [--requests N] [--seed N]")
        exit(2)
    }
}

var catalogRandom = SplitMix64(state: seed)
let catalog = Catalog(objects: 100_000, random: &catalogRandom)
let traces = [
    makeTrace(name: "zipf-0.9", catalog: catalog, alpha: 0.9, requests: requestCount, scans: nil, seed: seed + 1),
    makeTrace(name: "zipf-1.1", catalog: catalog, alpha: 1.1, requests: requestCount, scans: nil, seed: seed + 2),
    makeTrace(
        name: "zipf-0.9+scans", catalog: catalog, alpha: 0.9, requests: requestCount,
        scans: (every: 100_000, length: 30_000), seed: seed + 1),
]

print("catalog: 100000 objects, \(catalog.totalBytes >> 20) MiB; \(requestCount) requests per trace, "
    + "first 20% warm-up; seed \(seed)")
print("")
print("| workload | cache | policy | object hit ratio | byte hit ratio | Zipf-part hit ratio | ns/request |")
print("|---|---:|---|---:|---:|---:|---:|")
for trace in traces {
    for fraction in [0.01, 0.05, 0.10] {
        let budget = Int(Double(trace.catalogBytes) * fraction)
        var lru = LRUEviction<Int32>(budget: budget)
        var sieve = SIEVEEviction<Int32>(budget: budget)
        var s3fifo = S3FIFOEviction<Int32>(budget: budget)
        let results = [
            ("LRU", simulate(&lru, trace)), ("SIEVE", simulate(&sieve, trace)), ("S3-FIFO", simulate(&s3fifo, trace)),
        ]
        for (name, result) in results {
            print("| \(trace.name) | \(Int(fraction * 100))% | \(name) | \(percent(result.objectHitRatio)) | "
                + "\(percent(result.byteHitRatio)) | \(percent(result.catalogHitRatio)) | "
                + "\(Int(result.nanosecondsPerRequest)) |")
        }
    }
}
