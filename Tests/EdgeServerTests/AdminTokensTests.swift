import EdgeConfig
import EdgeServer
import Foundation
import Glibc
import Testing

/// The admin tokens file, written to a temporary directory with the mode each test needs.
@Suite struct AdminTokensTests {
    static let tokenA = "4f3c2b1a09e8d7c6b5a49382716f5e4d"  // 32 characters, the minimum
    static let tokenB = "Zm9yIHRoZSBhZG1pbiBBUEkgb25seSwgcGxlYXNl-_.~+/="

    /// A fresh directory holding `tokens` with `contents` and `mode`; removed by the caller.
    final class TokensFile {
        let directory: String
        let path: String

        init(_ contents: String, mode: mode_t = 0o600) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("admin-tokens-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            path = directory + "/tokens"
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
            chmod(path, mode)
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    static func loadErrors(_ path: String) -> [String] {
        do {
            _ = try AdminTokens.load(path: path)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func loadsTokensSkippingCommentsBlankLinesAndSurroundingWhitespace() throws {
        let file = try TokensFile("# admin tokens\n\n   \(Self.tokenA)  \r\n\t# CI deploys\n\t\(Self.tokenB)\n")
        let (tokens, warnings) = try AdminTokens.load(path: file.path)
        #expect(tokens.count == 2)
        #expect(warnings.isEmpty)
        #expect(tokens.authenticate(authorizationHeader: "Bearer \(Self.tokenA)"))
        #expect(tokens.authenticate(authorizationHeader: "Bearer \(Self.tokenB)"))
        #expect(!tokens.description.contains(Self.tokenA))
    }

    @Test func authenticatesOnlyABearerHeaderWithAKnownToken() throws {
        let file = try TokensFile(Self.tokenA + "\n" + Self.tokenB + "\n")
        let tokens = try AdminTokens.load(path: file.path).0
        for accepted in ["Bearer \(Self.tokenA)", "bearer \(Self.tokenB)", "  BEARER   \(Self.tokenA) \t"] {
            #expect(tokens.authenticate(authorizationHeader: accepted), "\(accepted)")
        }
        let refused: [String?] = [
            nil, "", "Bearer", "Bearer ", Self.tokenA, "Bearer\(Self.tokenA)", "Basic \(Self.tokenA)",
            "Bearer \(Self.tokenA.dropLast())", "Bearer \(Self.tokenA)0", "Bearer \(Self.tokenA.uppercased())",
            "Bearer \(Self.tokenA) \(Self.tokenB)", "Bearer # admin tokens",
            "AWS4-HMAC-SHA256 Credential=\(Self.tokenA)",
        ]
        for header in refused {
            #expect(!tokens.authenticate(authorizationHeader: header), "\(header ?? "nil")")
        }
    }

    @Test func everyBadLineIsReportedWithItsNumberAndNeverItsToken() throws {
        let file = try TokensFile(
            "# tokens\nshort-token\n\(Self.tokenA) # deploy bot\n\(Self.tokenB)\u{7}\ncafé-\(Self.tokenA)\n\(Self.tokenB)\n"
        )
        let errors = Self.loadErrors(file.path)
        #expect(errors == [
            "\(file.path):2: admin token is 11 characters long, fewer than 32: use a random one, e.g. openssl rand -hex 32",
            "\(file.path):3: admin token contains whitespace at column 33: a token is printable ASCII without spaces, "
                + "one per line; put comments on lines of their own starting with #",
            "\(file.path):4: admin token contains a control character (0x07) at column 48: a token is printable ASCII "
                + "without spaces, one per line; put comments on lines of their own starting with #",
            "\(file.path):5: admin token contains a non-ASCII byte at column 4: a token is printable ASCII without spaces, "
                + "one per line; put comments on lines of their own starting with #",
        ])
        #expect(!errors.joined().contains(Self.tokenA) && !errors.joined().contains("short-token"))
    }

    @Test func aFileOthersCanReadOrChangeIsLoadedWithAWarningToChmod() throws {
        let readable = try TokensFile(Self.tokenA + "\n", mode: 0o644)
        let (tokens, warnings) = try AdminTokens.load(path: readable.path)
        #expect(tokens.count == 1)
        #expect(warnings.map(\.description) == [
            "\(readable.path): warning: admin tokens file has mode 644 and other users can read it: run chmod 600 \(readable.path)",
        ])
        let writable = try TokensFile(Self.tokenA + "\n", mode: 0o620)
        #expect(try AdminTokens.load(path: writable.path).warnings.map(\.message) == [
            "admin tokens file has mode 620 and other users can change it: run chmod 600 \(writable.path)",
        ])
        let ownerOnly = try TokensFile(Self.tokenA + "\n", mode: 0o400)
        #expect(try AdminTokens.load(path: ownerOnly.path).warnings.isEmpty)
    }

    @Test func repeatedTokensAndAnEmptyFileAreWarnings() throws {
        let repeated = try TokensFile("\(Self.tokenA)\n\(Self.tokenB)\n\(Self.tokenA)\n")
        let (tokens, warnings) = try AdminTokens.load(path: repeated.path)
        #expect(tokens.count == 2)
        #expect(warnings.map(\.description) == ["\(repeated.path):3: warning: admin token repeats the one on line 1: remove one of them"])

        let empty = try TokensFile("# no tokens yet\n\n")
        let loaded = try AdminTokens.load(path: empty.path)
        #expect(loaded.0.count == 0)
        #expect(!loaded.0.authenticate(authorizationHeader: "Bearer "))
        #expect(loaded.warnings.map(\.message) == [
            "admin tokens file holds no token, so every bearer token is refused: add one per line (e.g. openssl rand -hex 32 >> \(empty.path))",
        ])
    }

    @Test func aDirectoryAMissingFileAndAFIFOAreErrorsThatNameTheFix() throws {
        let file = try TokensFile(Self.tokenA)
        #expect(Self.loadErrors(file.directory) == [
            "\(file.directory): the admin tokens path is a directory: give the path of a file with one token per line",
        ])
        let missing = file.directory + "/absent"
        #expect(Self.loadErrors(missing) == [
            "\(missing): cannot read the admin tokens file: No such file or directory: create it with one token per line: "
                + "openssl rand -hex 32 > \(missing) && chmod 600 \(missing)",
        ])
        let fifo = file.directory + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(Self.loadErrors(fifo) == [
            "\(fifo): the admin tokens path is not a regular file: give the path of a file with one token per line",
        ])
    }

    /// Root reads every file whatever its mode, so this runs only as another user.
    @Test(.enabled(if: getuid() != 0)) func anUnreadableFileIsAnErrorThatNamesTheFix() throws {
        let file = try TokensFile(Self.tokenA, mode: 0o000)
        let errors = Self.loadErrors(file.path)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("Permission denied: make it readable by the user s3edge runs as") == true)
        #expect(errors.first?.contains("chmod 600 \(file.path)") == true)
    }
}
