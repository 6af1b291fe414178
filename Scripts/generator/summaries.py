"""Hand-written summaries of the models people use every day, and notes on the members where people slip. Our own
words, from what the models mean in Clerk; keyed by the spec's schema name (or the shared type's name) and by
`Schema.json_member`."""

MODEL_SUMMARIES = {
    "User": (
        "A person who can sign in to your application: names, identifiers (email addresses, phone numbers, Web3\n"
        "wallets, passkeys, external accounts), metadata and security state.\n"
        "\n"
        "The primary identifiers are ids (`primaryEmailAddressID`, …) pointing into the lists; look the value up in\n"
        "`emailAddresses` or `phoneNumbers`. Of the three metadata objects, `publicMetadata` is readable by your\n"
        "frontend and writable only from the backend, `privateMetadata` never leaves the backend, and\n"
        "`unsafeMetadata` can be written by the user from the frontend: never trust it for authorization."
    ),
    "Organization": (
        "A group of users (a company, a team) with its own members, roles, invitations and metadata.\n"
        "\n"
        "`slug` is unique within the instance and may change; store `id`. `membersCount` and `pendingInvitationsCount`\n"
        "are present only when the request asked for them (`includeMembersCount`)."
    ),
    "OrganizationMembership": (
        "One user's membership of one organization, with the member's role and the permissions that role grants.\n"
        "\n"
        "`role` is a role key such as `org:admin`; `permissions` are derived from it by the instance's role settings,\n"
        "so changing a role's permissions changes every membership that has it. The user's part is a public view\n"
        "(`publicUserData`), not a full `User`."
    ),
    "Session": (
        "A signed-in period of one user on one client (a browser or device).\n"
        "\n"
        "A session is `active` until the user signs out (`ended`), it is revoked (`revoked`), or it lapses: it\n"
        "`expired` at `expireAt` (the lifetime limit) or was `abandoned` at `abandonAt` (the inactivity limit).\n"
        "`lastActiveAt` moves while the user makes requests; `updatedAt` moves on any change to the session."
    ),
    "Client": (
        "A browser or device as Clerk sees it: the sessions signed in on it (several when multi-session is on) and\n"
        "the one in use (`lastActiveSessionID`). The session tokens your backend verifies are minted for a session\n"
        "of a client."
    ),
    "EmailAddress": (
        "One email address of a user, with its verification.\n"
        "\n"
        "An address counts as verified only when `verification?.status` is `verified`; an address can be on the user\n"
        "and still unverified. `linkedTo` lists the external accounts (an OAuth provider) it came from."
    ),
    "PhoneNumber": (
        "One phone number of a user (E.164, such as `+15555550100`), with its verification and whether it is used\n"
        "for two-factor authentication (`reservedForSecondFactor`, `defaultSecondFactor`)."
    ),
    "Invitation": (
        "An invitation to join the application, sent to an email address. `status` is `pending` until the\n"
        "invitee signs up (`accepted`), it is revoked (`revoked`) or it lapses (`expired`). `publicMetadata` is\n"
        "copied to the user created from it."
    ),
    "OrganizationInvitation": (
        "An invitation to join an organization with a given role, sent to an email address. Accepting it creates\n"
        "an `OrganizationMembership`; the invitee may be a new or an existing user."
    ),
    "JWTTemplate": (
        "A template for JWTs your frontend can request for a session (`getToken({ template })`), for third-party\n"
        "services that need their own claims, lifetime or signing key.\n"
        "\n"
        "Tokens minted from a template are not session tokens: `verifyToken` accepts them (their category is\n"
        "`JWTCategory.jwtTemplate`), but `authenticateRequest` never treats one as a session."
    ),
    "APIKey": (
        "An API key your users or your own services present as `Authorization: Bearer ak_…`, tied to a subject (a\n"
        "user or an organization), with scopes and optional claims.\n"
        "\n"
        "The secret is shown once, when the key is created; later reads do not include it. A key is usable while\n"
        "`revoked` is `false` and `expiration`, when set, is in the future."
    ),
    "M2MToken": (
        "A machine-to-machine token: a credential one of your machines presents to another\n"
        "(`Authorization: Bearer mt_…`), carrying the issuing machine as `subject` and its scopes.\n"
        "\n"
        "The token itself is returned only when it is created. It is usable while `revoked` is `false` and\n"
        "`expiration`, when set, is in the future."
    ),
    "Machine": (
        "A machine (a service of yours) that can create M2M tokens, and the other machines it may talk to\n"
        "(`scopedMachines`). Its secret key is shown once, when it is created."
    ),
}

PROPERTY_NOTES = {
    "User.last_sign_in_at": "When the user last completed a sign-in; `nil` for a user who never signed in (created by the API or an import).",
    "User.last_active_at": "When the user was last seen making requests with a session; it moves without any new sign-in, unlike `lastSignInAt`.",
    "User.banned": "A banned user cannot sign in and their sessions are revoked; `locked` is a temporary lock after failed attempts.",
    "User.locked": "A temporary lockout after too many failed sign-in attempts; it lifts by itself (see `lockoutExpiresInSeconds`).",
    "User.external_id": "Your own identifier for this user (for example your database's), set by you; Clerk does not read it.",
    "User.primary_email_address_id": "The id of an entry of `emailAddresses`, not the address itself.",
    "User.unsafe_metadata": "Writable by the user from the frontend: never use it for authorization.",
    "User.private_metadata": "Never sent to the frontend; only your backend can read or write it.",
    "User.public_metadata": "Readable by the frontend (and in session tokens when the instance's claims include it), writable only from the backend.",
    "Session.last_active_at": "Moves while the user makes requests with this session; the basis of `abandonAt`.",
    "Session.expire_at": "The end of the session's lifetime, whatever its activity.",
    "Session.abandon_at": "When the session lapses if the user is inactive until then.",
    "Organization.members_count": "Present only when the request asked for it (`includeMembersCount`); `nil` does not mean zero.",
    "OrganizationMembership.permissions": "Derived from `role` by the instance's role settings when the membership was read.",
    "EmailAddress.verification": "`nil` or a status other than `verified` means the address is not proven to belong to the user.",
    "Invitation.status": "Only a `pending` invitation can be revoked or accepted.",
}
