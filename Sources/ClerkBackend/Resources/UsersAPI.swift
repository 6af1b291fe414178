#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension ClerkClient {
    /// The Users API: list, create, update, delete, ban, lock and inspect users (`clerkClient.users` in JS).
    public var users: UsersAPI { UsersAPI(client: self) }
}

/// The Users operations of the Backend API.
///
/// Method names follow `clerkClient.users` of `@clerk/backend`; operations the JS SDK lacks are named in the
/// same style (``banUsers(_:)``, ``getUserTrustedDevices(_:)``, ``getUserBillingCreditBalance(_:)``…).
/// Every id is sent as exactly one, percent-encoded path segment; empty ids and `.`/`..` are refused before any
/// request is made.
public struct UsersAPI: Sendable {
    let client: ClerkClient

    // MARK: Listing

    /// Lists users with the spec's filters and ordering, together with the number of users that match.
    ///
    /// `GET /users` answers a bare array, so (as the JS SDK does) this also calls `GET /users/count` with the same
    /// filters, concurrently, and pairs the two.
    public func getUserList(_ query: GetUserListQuery = GetUserListQuery()) async throws
        -> PaginatedResourceResponse<User>
    {
        var countQuery = query.queryItems
        for name in ["limit", "offset", "order_by", "starting_after"] { countQuery.remove(name) }
        async let users: [User] = client.send(APIRequest(.getUserList, query: query.queryItems))
        async let count: TotalCount = client.send(APIRequest(.getUsersCount, query: countQuery))
        return PaginatedResourceResponse(data: try await users, totalCount: try await count.totalCount)
    }

    /// The number of users matching the filters (`GET /users/count`).
    public func getCount(_ query: GetUsersCountQuery = GetUsersCountQuery()) async throws -> Int64 {
        let count: TotalCount = try await client.send(APIRequest(.getUsersCount, query: query.queryItems))
        return count.totalCount
    }

    /// Walks every user matching `query`, fetching `pageSize` users per request as the loop consumes them.
    ///
    /// When the ordering is by creation time (the default `-created_at`, or `+created_at`), pages are chained with
    /// the spec's `starting_after` cursor, so users created or deleted during the walk are neither skipped nor
    /// repeated. Any other `orderBy` falls back to offset paging. `limit`, `offset` and `startingAfter` of `query`
    /// are ignored (the sequence sets them).
    public func all(_ query: GetUserListQuery = GetUserListQuery(), pageSize: Int = 100) -> PaginatedSequence<User> {
        let order = query.orderBy ?? "-created_at"
        let usesCursor = ["-created_at", "+created_at", "created_at"].contains(order)
        let client = self.client
        var cursorOf: (@Sendable (User) -> String)? = nil
        if usesCursor { cursorOf = { user in user.id } }
        let fetch: @Sendable (PageCursor, Int) async throws -> [User] = { cursor, size in
            var page = query
            page.limit = size
            if usesCursor {
                page.offset = nil
                page.startingAfter = cursor.startingAfter
            } else {
                page.offset = cursor.offset
                page.startingAfter = nil
            }
            return try await client.send(APIRequest(.getUserList, query: page.queryItems), as: [User].self)
        }
        return PaginatedSequence(pageSize: min(max(pageSize, 1), 500), cursorOf: cursorOf, fetchPage: fetch)
    }

    // MARK: One user

    /// Fetches a user by id.
    public func getUser(_ userID: String) async throws -> User {
        try await client.send(APIRequest(.getUser, path: [userID]))
    }

    /// Creates a user.
    public func createUser(_ params: CreateUserBody) async throws -> User {
        try await client.send(APIRequest(.createUser, json: params))
    }

    /// Updates a user's attributes with `PATCH /users/{user_id}`.
    ///
    /// Since API version 2026-05-12 this endpoint no longer takes metadata: use ``updateUserMetadata(_:_:)``
    /// (merge) or ``replaceUserMetadata(_:_:)`` (replace). Unlike the JS SDK, this method never sends a second
    /// request behind your back.
    public func updateUser(_ userID: String, _ params: UpdateUserBody) async throws -> User {
        try await client.send(APIRequest(.updateUser, path: [userID], json: params))
    }

    /// Merges metadata into the user's (`PATCH /users/{user_id}/metadata`): nested objects are merged deeply and a
    /// `null` value deletes its key.
    public func updateUserMetadata(_ userID: String, _ params: UpdateUserMetadataBody) async throws -> User {
        try await client.send(APIRequest(.updateUserMetadata, path: [userID], json: params))
    }

    /// Replaces the user's metadata (`PUT /users/{user_id}/metadata`): each given kind of metadata is replaced as a
    /// whole; kinds you leave `nil` are kept.
    public func replaceUserMetadata(_ userID: String, _ params: ReplaceUserMetadataBody) async throws -> User {
        try await client.send(APIRequest(.replaceUserMetadata, path: [userID], json: params))
    }

    /// Deletes a user. The result's `externalID` carries the deleted user's external id, if it had one.
    public func deleteUser(_ userID: String) async throws -> DeletedObject {
        try await client.send(APIRequest(.deleteUser, path: [userID]))
    }

    /// Replaces the user's primary email address (`PUT /users/{user_id}/email_address`).
    public func replaceUserEmailAddress(_ userID: String, _ params: ReplaceUserEmailAddressBody) async throws
        -> EmailAddress
    {
        try await client.send(APIRequest(.replaceUserEmailAddress, path: [userID], json: params))
    }

    /// Replaces the user's primary phone number (`PUT /users/{user_id}/phone_number`).
    public func replaceUserPhoneNumber(_ userID: String, _ params: ReplaceUserPhoneNumberBody) async throws
        -> PhoneNumber
    {
        try await client.send(APIRequest(.replaceUserPhoneNumber, path: [userID], json: params))
    }

    // MARK: Ban and lock

    /// Bans a user: all their sessions are revoked and they cannot sign in.
    public func banUser(_ userID: String) async throws -> User {
        try await client.send(APIRequest(.banUser, path: [userID]))
    }

    /// Lifts a user's ban.
    public func unbanUser(_ userID: String) async throws -> User {
        try await client.send(APIRequest(.unbanUser, path: [userID]))
    }

    /// Bans several users at once (`POST /users/ban`, up to 100 ids). Returns the banned users.
    public func banUsers(_ userIDs: [String]) async throws -> [User] {
        guard !userIDs.isEmpty else { throw ClerkError(.invalidArgument, "banUsers needs at least one user id") }
        return try await client.send(APIRequest(.usersBan, json: UsersBanBody(userIDs: userIDs)))
    }

    /// Lifts the ban of several users at once (`POST /users/unban`). Returns the unbanned users.
    public func unbanUsers(_ userIDs: [String]) async throws -> [User] {
        guard !userIDs.isEmpty else { throw ClerkError(.invalidArgument, "unbanUsers needs at least one user id") }
        return try await client.send(APIRequest(.usersUnban, json: UsersUnbanBody(userIDs: userIDs)))
    }

    /// Locks a user out of signing in (as after too many failed attempts).
    public func lockUser(_ userID: String) async throws -> User {
        try await client.send(APIRequest(.lockUser, path: [userID]))
    }

    /// Unlocks a locked user.
    public func unlockUser(_ userID: String) async throws -> User {
        try await client.send(APIRequest(.unlockUser, path: [userID]))
    }

    // MARK: Profile image

    /// Uploads a new profile image (`multipart/form-data`, field `file`).
    public func updateUserProfileImage(
        _ userID: String, file: Data, filename: String = "profile_image", contentType: String = "application/octet-stream"
    ) async throws -> User {
        var form = MultipartFormData()
        form.addFile(name: "file", filename: filename, contentType: contentType, content: file)
        return try await client.send(
            APIRequest(.setUserProfileImage, path: [userID], body: .multipart(form.finished(), boundary: form.boundary))
        )
    }

    /// Removes the user's profile image.
    public func deleteUserProfileImage(_ userID: String) async throws -> User {
        try await client.send(APIRequest(.deleteUserProfileImage, path: [userID]))
    }

    // MARK: Passwords and second factors

    /// Checks a password against the user's. A wrong password answers `verified: false` or a 422 error
    /// (`form_password_incorrect`), depending on the instance.
    public func verifyPassword(userID: String, password: String) async throws -> VerifyPasswordResponse {
        try await client.send(APIRequest(.verifyPassword, path: [userID], json: VerifyPasswordBody(password: password)))
    }

    /// Checks a TOTP or backup code against the user's.
    public func verifyTOTP(userID: String, code: String) async throws -> VerifyTOTPResponse {
        try await client.send(APIRequest(.verifyTOTP, path: [userID], json: VerifyTOTPBody(code: code)))
    }

    /// Removes the user's password.
    public func removePassword(_ userID: String, signOutOfOtherSessions: Bool? = nil) async throws -> User {
        try await client.send(
            APIRequest(
                .removeUserPassword, path: [userID],
                json: RemoveUserPasswordBody(signOutOfOtherSessions: signOutOfOtherSessions)
            )
        )
    }

    /// Marks the user's password as compromised: they must reset it at the next sign-in.
    public func setPasswordCompromised(_ userID: String, revokeAllSessions: Bool? = nil) async throws -> User {
        try await client.send(
            APIRequest(
                .setUserPasswordCompromised, path: [userID],
                json: SetUserPasswordCompromisedBody(revokeAllSessions: revokeAllSessions)
            )
        )
    }

    /// Clears the compromised mark of the user's password.
    public func unsetPasswordCompromised(_ userID: String) async throws -> User {
        try await client.send(APIRequest(.unsetUserPasswordCompromised, path: [userID]))
    }

    /// Disables every second factor of the user.
    public func disableUserMFA(_ userID: String) async throws -> DisableMFAResponse {
        try await client.send(APIRequest(.disableMFA, path: [userID]))
    }

    /// Deletes the user's backup codes.
    public func deleteUserBackupCodes(_ userID: String) async throws -> DeleteBackupCodeResponse {
        try await client.send(APIRequest(.deleteBackupCode, path: [userID]))
    }

    /// Deletes the user's TOTP authenticator.
    public func deleteUserTOTP(_ userID: String) async throws -> DeleteTOTPResponse {
        try await client.send(APIRequest(.deleteTOTP, path: [userID]))
    }

    // MARK: Identifications

    /// Deletes one of the user's passkeys.
    public func deleteUserPasskey(userID: String, passkeyIdentificationID: String) async throws -> DeletedObject {
        try await client.send(APIRequest(.userPasskeyDelete, path: [userID, passkeyIdentificationID]))
    }

    /// Deletes one of the user's Web3 wallets.
    public func deleteUserWeb3Wallet(userID: String, web3WalletIdentificationID: String) async throws -> DeletedObject {
        try await client.send(APIRequest(.userWeb3WalletDelete, path: [userID, web3WalletIdentificationID]))
    }

    /// Deletes one of the user's external (OAuth) accounts.
    public func deleteUserExternalAccount(userID: String, externalAccountID: String) async throws -> DeletedObject {
        try await client.send(APIRequest(.deleteExternalAccount, path: [userID, externalAccountID]))
    }

    /// The OAuth access tokens the user holds for a provider.
    ///
    /// `provider` may be given with or without the `oauth_` prefix (`google` or `oauth_google`); the prefix is added
    /// when missing, as the JS SDK does. Sends `paginated=true`, and accepts both the paginated and the bare-array
    /// answer.
    public func getUserOAuthAccessToken(
        _ userID: String, provider: String, limit: Int? = nil, offset: Int? = nil
    ) async throws -> PaginatedResourceResponse<OAuthAccessTokenItem> {
        let providerSegment = provider.hasPrefix("oauth_") ? provider : "oauth_" + provider
        let query = GetOAuthAccessTokenQuery(paginated: true, limit: limit, offset: offset)
        return try await client.send(
            APIRequest(.getOAuthAccessToken, path: [userID, providerSegment], query: query.queryItems)
        )
    }

    // MARK: Organizations

    /// The user's organization memberships.
    public func getOrganizationMembershipList(
        _ userID: String, _ query: UsersGetOrganizationMembershipsQuery = UsersGetOrganizationMembershipsQuery()
    ) async throws -> PaginatedResourceResponse<OrganizationMembership> {
        try await client.send(APIRequest(.usersGetOrganizationMemberships, path: [userID], query: query.queryItems))
    }

    /// Walks every organization membership of the user, `pageSize` per request (offset paging).
    public func allOrganizationMemberships(_ userID: String, pageSize: Int = 100) -> PaginatedSequence<OrganizationMembership> {
        let client = self.client
        return .offsetPaged(pageSize: min(max(pageSize, 1), 500)) { limit, offset in
            let query = UsersGetOrganizationMembershipsQuery(limit: limit, offset: offset)
            let page: PaginatedResourceResponse<OrganizationMembership> = try await client.send(
                APIRequest(.usersGetOrganizationMemberships, path: [userID], query: query.queryItems)
            )
            return page.data
        }
    }

    /// Walks every organization invitation of the user (optionally of one status), `pageSize` per request.
    public func allOrganizationInvitations(
        _ userID: String, status: UsersGetOrganizationInvitationsQuery.Status? = nil, pageSize: Int = 100
    ) -> PaginatedSequence<OrganizationInvitationWithPublicOrganizationData> {
        let client = self.client
        return .offsetPaged(pageSize: min(max(pageSize, 1), 500)) { limit, offset in
            let query = UsersGetOrganizationInvitationsQuery(limit: limit, offset: offset, status: status)
            let page: PaginatedResourceResponse<OrganizationInvitationWithPublicOrganizationData> = try await client.send(
                APIRequest(.usersGetOrganizationInvitations, path: [userID], query: query.queryItems)
            )
            return page.data
        }
    }

    /// The organization invitations sent to the user's email addresses.
    public func getOrganizationInvitationList(
        _ userID: String, _ query: UsersGetOrganizationInvitationsQuery = UsersGetOrganizationInvitationsQuery()
    ) async throws -> PaginatedResourceResponse<OrganizationInvitationWithPublicOrganizationData> {
        try await client.send(APIRequest(.usersGetOrganizationInvitations, path: [userID], query: query.queryItems))
    }

    // MARK: Trusted devices

    /// The devices the user has marked as trusted.
    public func getUserTrustedDevices(_ userID: String) async throws -> PaginatedResourceResponse<TrustedDevice> {
        try await client.send(APIRequest(.listUserTrustedDevices, path: [userID]))
    }

    /// Revokes one of the user's trusted devices.
    public func revokeUserTrustedDevice(userID: String, trustedDeviceID: String) async throws -> TrustedDevice {
        try await client.send(APIRequest(.revokeUserTrustedDevice, path: [userID, trustedDeviceID]))
    }

    // MARK: Billing

    /// The user's billing credit balance.
    public func getUserBillingCreditBalance(_ userID: String) async throws -> CommerceCreditBalanceResponse {
        try await client.send(APIRequest(.getUserBillingCreditBalance, path: [userID]))
    }

    /// Adds credit to, or removes credit from, the user's billing balance.
    public func adjustUserBillingCreditBalance(_ userID: String, _ params: AdjustCreditBalanceRequest) async throws
        -> CommerceCreditLedgerResponse
    {
        try await client.send(APIRequest(.adjustUserBillingCreditBalance, path: [userID], json: params))
    }
}
