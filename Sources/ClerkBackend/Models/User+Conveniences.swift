/// What `@clerk/backend`'s `User` class derives from the JSON, for code ported from JavaScript.
extension User {
    /// The entry of ``emailAddresses`` whose id is ``primaryEmailAddressID``; `nil` when there is none (the
    /// `primaryEmailAddress` getter of `@clerk/backend`).
    public var primaryEmailAddress: EmailAddress? {
        guard let id = primaryEmailAddressID else { return nil }
        return emailAddresses.first { $0.id == id }
    }

    /// The entry of ``phoneNumbers`` whose id is ``primaryPhoneNumberID``; `nil` when there is none.
    public var primaryPhoneNumber: PhoneNumber? {
        guard let id = primaryPhoneNumberID else { return nil }
        return phoneNumbers.first { $0.id == id }
    }

    /// The entry of ``web3Wallets`` whose id is ``primaryWeb3WalletID``; `nil` when there is none.
    public var primaryWeb3Wallet: Web3Wallet? {
        guard let id = primaryWeb3WalletID else { return nil }
        return web3Wallets.first { $0.id == id }
    }

    /// ``firstName`` and ``lastName`` joined by a space, without surrounding whitespace; `nil` when both are empty or
    /// absent (the `fullName` getter of `@clerk/backend`).
    public var fullName: String? {
        let joined = [firstName ?? "", lastName ?? ""].joined(separator: " ").trimmed
        return joined.isEmpty ? nil : joined
    }
}
