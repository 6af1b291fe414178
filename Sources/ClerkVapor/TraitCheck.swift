#if !Vapor
#error("ClerkVapor needs the package's Vapor trait: .package(url: …, from: …, traits: [\"Vapor\"])")
#endif
