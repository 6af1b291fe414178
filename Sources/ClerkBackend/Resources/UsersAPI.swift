#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
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
    public func getUser(_ userId: String) async throws -> User {
        try await client.send(APIRequest(.getUser, path: [userId]))
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
    public func updateUser(_ userId: String, _ params: UpdateUserBody) async throws -> User {
        try await client.send(APIRequest(.updateUser, path: [userId], json: params))
    }

    /// Merges metadata into the user's (`PATCH /users/{user_id}/metadata`): nested objects are merged deeply and a
    /// `null` value deletes its key.
    public func updateUserMetadata(_ userId: String, _ params: UpdateUserMetadataBody) async throws -> User {
        try await client.send(APIRequest(.updateUserMetadata, path: [userId], json: params))
    }

    /// Replaces the user's metadata (`PUT /users/{user_id}/metadata`): each given kind of metadata is replaced as a
    /// whole; kinds you leave `nil` are kept.
    public func replaceUserMetadata(_ userId: String, _ params: ReplaceUserMetadataBody) async throws -> User {
        try await client.send(APIRequest(.replaceUserMetadata, path: [userId], json: params))
    }

    /// Deletes a user. The result's `externalId` carries the deleted user's external id, if it had one.
    public func deleteUser(_ userId: String) async throws -> DeletedObject {
        try await client.send(APIRequest(.deleteUser, path: [userId]))
    }

    /// Replaces the user's primary email address (`PUT /users/{user_id}/email_address`).
    public func replaceUserEmailAddress(_ userId: String, _ params: ReplaceUserEmailAddressBody) async throws
        -> EmailAddress
    {
        try await client.send(APIRequest(.replaceUserEmailAddress, path: [userId], json: params))
    }

    /// Replaces the user's primary phone number (`PUT /users/{user_id}/phone_number`).
    public func replaceUserPhoneNumber(_ userId: String, _ params: ReplaceUserPhoneNumberBody) async throws
        -> PhoneNumber
    {
        try await client.send(APIRequest(.replaceUserPhoneNumber, path: [userId], json: params))
    }

    // MARK: Ban and lock

    /// Bans a user: all their sessions are revoked and they cannot sign in.
    public func banUser(_ userId: String) async throws -> User {
        try await client.send(APIRequest(.banUser, path: [userId]))
    }

    /// Lifts a user's ban.
    public func unbanUser(_ userId: String) async throws -> User {
        try await client.send(APIRequest(.unbanUser, path: [userId]))
    }

    /// Bans several users at once (`POST /users/ban`, up to 100 ids). Returns the banned users.
    public func banUsers(_ userIds: [String]) async throws -> [User] {
        guard !userIds.isEmpty else { throw ClerkError(.invalidArgument, "banUsers needs at least one user id") }
        return try await client.send(APIRequest(.usersBan, json: UsersBanBody(userIds: userIds)))
    }

    /// Lifts the ban of several users at once (`POST /users/unban`). Returns the unbanned users.
    public func unbanUsers(_ userIds: [String]) async throws -> [User] {
        guard !userIds.isEmpty else { throw ClerkError(.invalidArgument, "unbanUsers needs at least one user id") }
        return try await client.send(APIRequest(.usersUnban, json: UsersUnbanBody(userIds: userIds)))
    }

    /// Locks a user out of signing in (as after too many failed attempts).
    public func lockUser(_ userId: String) async throws -> User {
        try await client.send(APIRequest(.lockUser, path: [userId]))
    }

    /// Unlocks a locked user.
    public func unlockUser(_ userId: String) async throws -> User {
        try await client.send(APIRequest(.unlockUser, path: [userId]))
    }

    // MARK: Profile image

    /// Uploads a new profile image (`multipart/form-data`, field `file`).
    public func updateUserProfileImage(
        _ userId: String, file: Data, filename: String = "profile_image", contentType: String = "application/octet-stream"
    ) async throws -> User {
        var form = MultipartFormData()
        form.addFile(name: "file", filename: filename, contentType: contentType, content: file)
        return try await client.send(
            APIRequest(.setUserProfileImage, path: [userId], body: .multipart(form.finished(), boundary: form.boundary))
        )
    }

    /// Removes the user's profile image.
    public func deleteUserProfileImage(_ userId: String) async throws -> User {
        try await client.send(APIRequest(.deleteUserProfileImage, path: [userId]))
    }

    // MARK: Passwords and second factors

    /// Checks a password against the user's. A wrong password answers `verified: false` or a 422 error
    /// (`form_password_incorrect`), depending on the instance.
    public func verifyPassword(userId: String, password: String) async throws -> VerifyPasswordResponse {
        try await client.send(APIRequest(.verifyPassword, path: [userId], json: VerifyPasswordBody(password: password)))
    }

    /// Checks a TOTP or backup code against the user's.
    public func verifyTOTP(userId: String, code: String) async throws -> VerifyTOTPResponse {
        try await client.send(APIRequest(.verifyTOTP, path: [userId], json: VerifyTOTPBody(code: code)))
    }

    /// Removes the user's password.
    public func removePassword(_ userId: String, signOutOfOtherSessions: Bool? = nil) async throws -> User {
        try await client.send(
            APIRequest(
                .removeUserPassword, path: [userId],
                json: RemoveUserPasswordBody(signOutOfOtherSessions: signOutOfOtherSessions)
            )
        )
    }

    /// Marks the user's password as compromised: they must reset it at the next sign-in.
    public func setPasswordCompromised(_ userId: String, revokeAllSessions: Bool? = nil) async throws -> User {
        try await client.send(
            APIRequest(
                .setUserPasswordCompromised, path: [userId],
                json: SetUserPasswordCompromisedBody(revokeAllSessions: revokeAllSessions)
            )
        )
    }

    /// Clears the compromised mark of the user's password.
    public func unsetPasswordCompromised(_ userId: String) async throws -> User {
        try await client.send(APIRequest(.unsetUserPasswordCompromised, path: [userId]))
    }

    /// Disables every second factor of the user.
    public func disableUserMFA(_ userId: String) async throws -> DisableMFAResponse {
        try await client.send(APIRequest(.disableMFA, path: [userId]))
    }

    /// Deletes the user's backup codes.
    public func deleteUserBackupCodes(_ userId: String) async throws -> DeleteBackupCodeResponse {
        try await client.send(APIRequest(.deleteBackupCode, path: [userId]))
    }

    /// Deletes the user's TOTP authenticator.
    public func deleteUserTOTP(_ userId: String) async throws -> DeleteTOTPResponse {
        try await client.send(APIRequest(.deleteTOTP, path: [userId]))
    }

    // MARK: Identifications

    /// Deletes one of the user's passkeys.
    public func deleteUserPasskey(userId: String, passkeyIdentificationId: String) async throws -> DeletedObject {
        try await client.send(APIRequest(.userPasskeyDelete, path: [userId, passkeyIdentificationId]))
    }

    /// Deletes one of the user's Web3 wallets.
    public func deleteUserWeb3Wallet(userId: String, web3WalletIdentificationId: String) async throws -> DeletedObject {
        try await client.send(APIRequest(.userWeb3WalletDelete, path: [userId, web3WalletIdentificationId]))
    }

    /// Deletes one of the user's external (OAuth) accounts.
    public func deleteUserExternalAccount(userId: String, externalAccountId: String) async throws -> DeletedObject {
        try await client.send(APIRequest(.deleteExternalAccount, path: [userId, externalAccountId]))
    }

    /// The OAuth access tokens the user holds for a provider.
    ///
    /// `provider` may be given with or without the `oauth_` prefix (`google` or `oauth_google`); the prefix is added
    /// when missing, as the JS SDK does. Sends `paginated=true`, and accepts both the paginated and the bare-array
    /// answer.
    public func getUserOauthAccessToken(
        _ userId: String, provider: String, limit: Int? = nil, offset: Int? = nil
    ) async throws -> PaginatedResourceResponse<OAuthAccessTokenItem> {
        let providerSegment = provider.hasPrefix("oauth_") ? provider : "oauth_" + provider
        let query = GetOAuthAccessTokenQuery(paginated: true, limit: limit, offset: offset)
        return try await client.send(
            APIRequest(.getOAuthAccessToken, path: [userId, providerSegment], query: query.queryItems)
        )
    }

    // MARK: Organizations

    /// The user's organization memberships.
    public func getOrganizationMembershipList(
        _ userId: String, _ query: UsersGetOrganizationMembershipsQuery = UsersGetOrganizationMembershipsQuery()
    ) async throws -> PaginatedResourceResponse<OrganizationMembership> {
        try await client.send(APIRequest(.usersGetOrganizationMemberships, path: [userId], query: query.queryItems))
    }

    /// Walks every organization membership of the user, `pageSize` per request (offset paging).
    public func allOrganizationMemberships(_ userId: String, pageSize: Int = 100) -> PaginatedSequence<OrganizationMembership> {
        let client = self.client
        return .offsetPaged(pageSize: min(max(pageSize, 1), 500)) { limit, offset in
            let query = UsersGetOrganizationMembershipsQuery(limit: limit, offset: offset)
            let page: PaginatedResourceResponse<OrganizationMembership> = try await client.send(
                APIRequest(.usersGetOrganizationMemberships, path: [userId], query: query.queryItems)
            )
            return page.data
        }
    }

    /// Walks every organization invitation of the user (optionally of one status), `pageSize` per request.
    public func allOrganizationInvitations(
        _ userId: String, status: UsersGetOrganizationInvitationsQuery.Status? = nil, pageSize: Int = 100
    ) -> PaginatedSequence<OrganizationInvitationWithPublicOrganizationData> {
        let client = self.client
        return .offsetPaged(pageSize: min(max(pageSize, 1), 500)) { limit, offset in
            let query = UsersGetOrganizationInvitationsQuery(limit: limit, offset: offset, status: status)
            let page: PaginatedResourceResponse<OrganizationInvitationWithPublicOrganizationData> = try await client.send(
                APIRequest(.usersGetOrganizationInvitations, path: [userId], query: query.queryItems)
            )
            return page.data
        }
    }

    /// The organization invitations sent to the user's email addresses.
    public func getOrganizationInvitationList(
        _ userId: String, _ query: UsersGetOrganizationInvitationsQuery = UsersGetOrganizationInvitationsQuery()
    ) async throws -> PaginatedResourceResponse<OrganizationInvitationWithPublicOrganizationData> {
        try await client.send(APIRequest(.usersGetOrganizationInvitations, path: [userId], query: query.queryItems))
    }

    // MARK: Trusted devices

    /// The devices the user has marked as trusted.
    public func getUserTrustedDevices(_ userId: String) async throws -> PaginatedResourceResponse<TrustedDevice> {
        try await client.send(APIRequest(.listUserTrustedDevices, path: [userId]))
    }

    /// Revokes one of the user's trusted devices.
    public func revokeUserTrustedDevice(userId: String, trustedDeviceId: String) async throws -> TrustedDevice {
        try await client.send(APIRequest(.revokeUserTrustedDevice, path: [userId, trustedDeviceId]))
    }

    // MARK: Billing

    /// The user's billing credit balance.
    public func getUserBillingCreditBalance(_ userId: String) async throws -> CommerceCreditBalanceResponse {
        try await client.send(APIRequest(.getUserBillingCreditBalance, path: [userId]))
    }

    /// Adds credit to, or removes credit from, the user's billing balance.
    public func adjustUserBillingCreditBalance(_ userId: String, _ params: AdjustCreditBalanceRequest) async throws
        -> CommerceCreditLedgerResponse
    {
        try await client.send(APIRequest(.adjustUserBillingCreditBalance, path: [userId], json: params))
    }
}
