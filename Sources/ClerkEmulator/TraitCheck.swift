#if !Emulator
#error("ClerkEmulator needs the package's Emulator trait: .package(url: …, from: …, traits: [\"Emulator\"])")
#endif
