import ArgumentParser
import ClerkBackend
import Foundation

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Verify or decode Clerk session tokens.", subcommands: [Verify.self, Decode.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a session token; print its claims as JSON (exit 0) or the reason it fails (exit 1).",
            discussion: """
                TOKEN is the token itself, @file, or '-' to read it from standard input (keeps it out of `ps`).
                With --jwt-key (a PEM, or a path to one) the check is networkless; otherwise the JWKS is fetched with
                CLERK_SECRET_KEY (or --secret-key-file) from CLERK_API_URL / --api-url.

                Examples:
                  clerk tokens verify @token.txt --jwt-key public.pem --authorized-party https://app.example.com
                  pbpaste | clerk tokens verify - --audience my-api
                """
        )
        @OptionGroup var client: ClientOptions
        @Argument(help: "The token, @file, or '-' for standard input.") var token: String
        @Option(help: "PEM public key, or a path to a PEM file (networkless verification).") var jwtKey: String?
        @Option(help: "An allowed azp (repeatable).") var authorizedParty: [String] = []
        @Option(help: "An accepted aud (repeatable).") var audience: [String] = []
        @Option(help: "Allowed clock skew in milliseconds (default 5000).") var clockSkewMs: Int?

        func validate() throws {
            if let clockSkewMs, clockSkewMs < 0 { throw ValidationError("--clock-skew-ms must not be negative") }
        }

        func run() async throws {
            try await runReporting {
                let value = try readValue(token)
                var key: String?
                if let jwtKey {
                    key = jwtKey.contains("-----BEGIN") ? jwtKey : try readFile(jwtKey)
                }
                let clerk: ClerkClient
                if let key {
                    var options = ClerkOptions(jwtKey: key)
                    if let raw = client.apiURL { options.apiURL = try ClientOptions.parseAPIURL(raw) }
                    clerk = try ClerkClient(options: options)
                } else {
                    clerk = try client.client()
                }
                var options = VerifyTokenOptions()
                if !authorizedParty.isEmpty { options.authorizedParties = authorizedParty }
                if !audience.isEmpty { options.audience = audience }
                if let clockSkewMs { options.clockSkew = .milliseconds(clockSkewMs) }
                do {
                    let claims = try await clerk.verifyToken(value, options: options)
                    try printJSON(JSONValue.object(claims.raw))
                } catch let error as TokenVerificationError {
                    printError("invalid token: \(error.reason.rawValue): \(error.message)")
                    throw CLIExit.failure
                }
            }
        }
    }

    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a token's header and claims WITHOUT verifying it.",
            discussion: "Nothing here says the token is genuine: use `clerk tokens verify` for that.\n\nExample:\n  clerk tokens decode @token.txt"
        )
        @Argument(help: "The token, @file, or '-' for standard input.") var token: String

        func run() async throws {
            try await runReporting {
                let decoded: DecodedJWT
                do {
                    decoded = try decodeJWT(try readValue(token))
                } catch let error as TokenVerificationError {
                    printError("not a JWT: \(error.message)")
                    throw CLIExit.failure
                }
                printError("warning: decoded only, NOT verified")
                try printJSON(JSONValue.object(["header": .object(decoded.header.raw), "claims": .object(decoded.claims.raw)]))
            }
        }
    }
}

struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Verify Clerk (Svix) webhook deliveries.", subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a webhook delivery; print the event type (exit 0) or the reason it fails (exit 1).",
            discussion: """
                The signing secret comes from CLERK_WEBHOOK_SIGNING_SECRET or --secret-file (a path, or '-' for
                standard input); --secret also works but shows in `ps`.

                Example:
                  clerk webhooks verify --body-file body.json \\
                    --header 'svix-id: msg_2abc' --header 'svix-timestamp: 1700000000' --header 'svix-signature: v1,…'
                """
        )
        @Option(help: "The signing secret (whsec_…); prefer CLERK_WEBHOOK_SIGNING_SECRET or --secret-file.") var secret: String?
        @Option(help: "Read the signing secret from this file ('-' for standard input).") var secretFile: String?
        @Option(help: "The raw body as received.") var bodyFile: String
        @Option(help: "A header as 'name: value' (repeatable; svix-id, svix-timestamp, svix-signature).") var header: [String] = []
        @Option(help: "Accepted clock difference in seconds (default 300).") var toleranceSeconds: Int = 300

        func run() async throws {
            try await runReporting {
                var signingSecret = secret
                if let secretFile { signingSecret = secretFile == "-" ? try readValue("-") : try readFile(secretFile).trimmingCharacters(in: .whitespacesAndNewlines) }
                if signingSecret == nil { signingSecret = ProcessInfo.processInfo.environment["CLERK_WEBHOOK_SIGNING_SECRET"] }
                guard let signingSecret, !signingSecret.isEmpty else {
                    throw CLIError("no signing secret: set CLERK_WEBHOOK_SIGNING_SECRET or pass --secret-file", exit: CLIExit.configuration)
                }
                var headers: [(String, String)] = []
                for item in header {
                    guard let colon = item.firstIndex(of: ":") else { throw ValidationError("--header takes 'name: value', got \(item)") }
                    headers.append((String(item[..<colon]).trimmingCharacters(in: .whitespaces), String(item[item.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
                }
                let body: Data
                do { body = try Data(contentsOf: URL(fileURLWithPath: bodyFile)) } catch {
                    throw CLIError("cannot read \(bodyFile)", exit: CLIExit.configuration)
                }
                do {
                    let verifier = try WebhookVerifier(signingSecret: Secret(signingSecret), tolerance: .seconds(toleranceSeconds))
                    let event = try verifier.verify(body: body, headers: headers)
                    printText(event.type.rawValue)
                } catch let error as WebhookVerificationError {
                    printError("invalid webhook: \(error.reason.rawValue): \(error.message)")
                    throw error.isConfigurationError ? CLIExit.configuration : CLIExit.failure
                }
            }
        }
    }
}
