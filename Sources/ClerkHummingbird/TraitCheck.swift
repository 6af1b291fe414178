#if !Hummingbird
#error("ClerkHummingbird needs the package's Hummingbird trait: .package(url: …, from: …, traits: [\"Hummingbird\"])")
#endif
