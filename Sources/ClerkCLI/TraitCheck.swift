#if !Emulator
#error("The clerk command needs the package's Emulator trait (on by default in this package's own builds)")
#endif
