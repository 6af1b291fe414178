#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A verified Clerk webhook event.
///
/// Returned by the `verify(body:headers:)` methods of ``WebhookVerifier`` and by `ClerkClient.verifyWebhook`.
/// It holds the fields `@clerk/backend` returns (`type`, `object`, `data`, `event_attributes`), the payload decoded
/// into a typed model where this SDK has one (``data``), the payload as raw JSON (``rawData``) and, beyond the
/// reference SDK, the envelope's `instance_id` and `timestamp` and the Svix message id and timestamp.
///
/// ```swift
/// let event = try clerk.verifyWebhook(body: body, headers: headers)
/// switch event.type {
/// case .userCreated, .userUpdated:
///     if let user = event.data.user { try await upsert(user) }
/// case .userDeleted:
///     if let id = event.data.deletedObject?.id { try await remove(id) }
/// default:
///     log(event.type, event.rawData)                            // everything else, typed or not
/// }
/// ```
///
/// **Fallback.** An event type this SDK has no model for, or a payload that does not decode into the model
/// of its type (a field Clerk renamed, a new required field missing…), does not make verification fail: the
/// signature proves the event is authentic, so ``data`` has only ``WebhookEventData/other`` (the raw JSON) and
/// ``dataDecodingFailure`` says what the decoder reported. ``rawData`` always holds the payload as sent.
public struct WebhookEvent: Sendable, Hashable {
    /// The event type (`user.created`, …).
    public var type: WebhookEventType
    /// The envelope's `object`: `"event"` (empty if the body had none).
    public var object: String
    /// The payload, decoded into its typed model when this SDK has one for ``type``; see ``WebhookEventData``.
    public var data: WebhookEventData
    /// The payload (`data`) exactly as sent, as JSON; ``JSONValue/null`` if the body had none.
    ///
    /// For a verified event whose payload decoded into its typed model, this is built from the parsed body the
    /// first time it is read (the body is parsed once, during verification), so handlers that use only ``data``
    /// never pay for it.
    public var rawData: JSONValue {
        get { rawPayload.value }
        set { rawPayload = WebhookRawPayload(newValue) }
    }
    /// Where ``rawData`` comes from: a value, or the parsed body it is built from on first use.
    var rawPayload: WebhookRawPayload
    /// The envelope's `event_attributes` (the HTTP request that caused the event), if present.
    public var eventAttributes: WebhookEventAttributes?
    /// The envelope's `instance_id` (the Clerk instance), if present. Not returned by `@clerk/backend`.
    public var instanceID: String?
    /// The envelope's `timestamp`, as sent (Clerk sends Unix epoch milliseconds), if present. Not returned by
    /// `@clerk/backend`.
    public var timestamp: Int64?
    /// The `svix-id` (or `webhook-id`) header: the message id, the same on every delivery attempt of one event.
    /// Use it to process each event only once. Empty for events made with ``init(decodingUnverified:messageID:)``.
    public var messageID: String
    /// When the message was signed (the `svix-timestamp` header, whole seconds).
    public var messageTimestamp: Date
    /// When ``data`` is untyped (``WebhookEventData/other``) although this SDK has a model for ``type``: what the decoder
    /// reported. `nil` when the payload decoded, or when there is no model for the type.
    public var dataDecodingFailure: String?

    /// Creates an event from its parts (for tests of your own webhook handlers).
    public init(
        type: WebhookEventType, object: String = "event", data: WebhookEventData, rawData: JSONValue,
        eventAttributes: WebhookEventAttributes? = nil, instanceID: String? = nil, timestamp: Int64? = nil,
        messageID: String = "", messageTimestamp: Date = Date(timeIntervalSince1970: 0),
        dataDecodingFailure: String? = nil
    ) {
        self.type = type
        self.object = object
        self.data = data
        rawPayload = WebhookRawPayload(rawData)
        self.eventAttributes = eventAttributes
        self.instanceID = instanceID
        self.timestamp = timestamp
        self.messageID = messageID
        self.messageTimestamp = messageTimestamp
        self.dataDecodingFailure = dataDecodingFailure
    }

    /// Decodes an event body **without verifying anything**: for tests of your own handlers, or for events you
    /// already verified. Never use it on a request body you received: use ``WebhookVerifier`` or
    /// `ClerkClient.verifyWebhook`.
    ///
    /// - Throws: ``WebhookVerificationError`` with ``WebhookVerificationError/Reason/invalidPayload`` when the body
    ///   is not a JSON object.
    public init(decodingUnverified body: some Collection<UInt8>, messageID: String = "") throws {
        let data = body as? Data ?? Data(body)
        self = try WebhookEvent.decode(
            body: data, messageID: messageID, messageTimestamp: Date(timeIntervalSince1970: 0)
        )
    }

    /// Decodes the payload (`data`) into your own `Decodable` type, for event types this SDK does not model or
    /// when you want only a few fields.
    ///
    /// ```swift
    /// struct Entry: Decodable { let id: String; let email_address: String }
    /// let entry = try event.decodeData(as: Entry.self)
    /// ```
    ///
    /// - Throws: the `DecodingError` of `decoder`.
    public func decodeData<T: Decodable>(as type: T.Type = T.self, using decoder: JSONDecoder = JSONDecoder()) throws
        -> T
    {
        if let bytes = rawPayload.sourceBytes { return try decoder.decode(T.self, from: bytes) }
        return try decoder.decode(T.self, from: JSONEncoder().encode(rawData))
    }

    /// Events are equal when every field is, ``rawData`` compared as JSON values.
    public static func == (lhs: WebhookEvent, rhs: WebhookEvent) -> Bool {
        lhs.type == rhs.type && lhs.object == rhs.object && lhs.data == rhs.data
            && lhs.eventAttributes == rhs.eventAttributes && lhs.instanceID == rhs.instanceID
            && lhs.timestamp == rhs.timestamp && lhs.messageID == rhs.messageID
            && lhs.messageTimestamp == rhs.messageTimestamp && lhs.dataDecodingFailure == rhs.dataDecodingFailure
            && lhs.rawData == rhs.rawData
    }

    /// Hashes every field (``rawData`` as a JSON value).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(object)
        hasher.combine(data)
        hasher.combine(rawData)
        hasher.combine(eventAttributes)
        hasher.combine(instanceID)
        hasher.combine(timestamp)
        hasher.combine(messageID)
        hasher.combine(messageTimestamp)
        hasher.combine(dataDecodingFailure)
    }
}

/// The payload of a webhook event, decoded into the Backend API model of its type.
///
/// Clerk's webhooks specification describes these payloads with the same schemas as the Backend API, so they
/// decode into the same models (`User`, `Organization`, …). Read the one you expect for the event's type; the others
/// are `nil`:
///
/// | Accessor | Event types |
/// |---|---|
/// | ``user`` | `user.created`, `user.updated` |
/// | ``deletedObject`` | `user.deleted`, `organization.deleted`, `organizationDomain.deleted`, `role.deleted`, `permission.deleted`, and any other `*.deleted` type whose payload is a deleted-object stub |
/// | ``session`` | `session.created`, `.pending`, `.ended`, `.removed`, `.revoked` |
/// | ``organization`` | `organization.created`, `organization.updated` |
/// | ``organizationMembership`` | `organizationMembership.created`, `.updated`, `.deleted` (the deleted membership itself) |
/// | ``organizationInvitation`` | `organizationInvitation.created`, `.accepted`, `.revoked` |
/// | ``organizationInvitationAccepted`` | `organizationInvitation.accepted` (with the accepting user's id) |
/// | ``organizationDomain`` | `organizationDomain.created`, `.updated` |
/// | ``role``, ``permission`` | `role.created`, `.updated`; `permission.created`, `.updated` |
/// | ``email``, ``sms`` | `email.created`, `sms.created` |
/// | ``waitlistEntry`` | `waitlistEntry.created`, `.updated` |
/// | ``paymentAttempt`` | `paymentAttempt.created`, `.updated` |
/// | ``subscription`` | `subscription.created`, `.updated`, `.active`, `.pastDue` |
/// | ``subscriptionItem`` | `subscriptionItem.*` |
/// | ``other`` | a type added after this SDK, and any payload that does not decode into its model |
///
/// ```swift
/// switch event.type {
/// case .userCreated, .userUpdated:
///     if let user = event.data.user { try await upsert(user) }
/// case .userDeleted:
///     if let id = event.data.deletedObject?.id { try await remove(id) }
/// default:
///     log(event.type, event.rawData)
/// }
/// ```
///
/// **Why a struct and not an enum.** Clerk sends more than 40 event types and adds more; this SDK types more of
/// them over time. Each new case of a public enum would break every exhaustive `switch` over it in your code, while
/// a new accessor here breaks nothing: a payload that gains a typed model moves from ``other`` to its accessor, and
/// ``WebhookEvent/rawData`` keeps the JSON for every type. Switch on ``WebhookEvent/type`` (an open set of
/// constants, so such a switch always has a `default`).
///
/// For `organizationInvitation.accepted`, the accepting user's id is
/// ``WebhookOrganizationInvitationAccepted/userID`` of ``organizationInvitationAccepted``.
public struct WebhookEventData: Sendable, Hashable {
    private indirect enum Storage: Sendable, Hashable {
        case user(User)
        case deletedObject(DeletedObject)
        case session(SessionWebhookPayload)
        case organization(Organization)
        case organizationMembership(OrganizationMembership)
        case organizationInvitation(OrganizationInvitation)
        case organizationInvitationAccepted(WebhookOrganizationInvitationAccepted, OrganizationInvitation)
        case organizationDomain(WebhookOrganizationDomain)
        case role(WebhookRole)
        case permission(Permission)
        case email(WebhookEmail)
        case sms(WebhookSMSMessage)
        case waitlistEntry(WebhookWaitlistEntry)
        case paymentAttempt(WebhookPaymentAttempt)
        case subscription(WebhookSubscription)
        case subscriptionItem(WebhookSubscriptionItem)
        case other(JSONValue)
    }

    private let storage: Storage

    private init(_ storage: Storage) { self.storage = storage }

    /// A user payload (`user.created`, `user.updated`).
    public static func user(_ value: User) -> Self { Self(.user(value)) }
    /// The stub of a deleted object (`user.deleted`, `organization.deleted`, …).
    public static func deletedObject(_ value: DeletedObject) -> Self { Self(.deletedObject(value)) }
    /// A session payload, with its user (`session.*`).
    public static func session(_ value: SessionWebhookPayload) -> Self { Self(.session(value)) }
    /// An organization payload (`organization.created`, `organization.updated`).
    public static func organization(_ value: Organization) -> Self { Self(.organization(value)) }
    /// An organization membership payload (`organizationMembership.*`).
    public static func organizationMembership(_ value: OrganizationMembership) -> Self { Self(.organizationMembership(value)) }
    /// An organization invitation payload (`organizationInvitation.*`).
    public static func organizationInvitation(_ value: OrganizationInvitation) -> Self { Self(.organizationInvitation(value)) }
    /// An `organizationInvitation.accepted` payload (the invitation, the accepting user's id).
    public static func organizationInvitationAccepted(_ value: WebhookOrganizationInvitationAccepted, invitation: OrganizationInvitation) -> Self {
        Self(.organizationInvitationAccepted(value, invitation))
    }
    /// An organization domain payload (`organizationDomain.created`, `.updated`).
    public static func organizationDomain(_ value: WebhookOrganizationDomain) -> Self { Self(.organizationDomain(value)) }
    /// A role payload (`role.created`, `role.updated`).
    public static func role(_ value: WebhookRole) -> Self { Self(.role(value)) }
    /// A permission payload (`permission.created`, `permission.updated`).
    public static func permission(_ value: Permission) -> Self { Self(.permission(value)) }
    /// An email payload (`email.created`).
    public static func email(_ value: WebhookEmail) -> Self { Self(.email(value)) }
    /// An SMS payload (`sms.created`).
    public static func sms(_ value: WebhookSMSMessage) -> Self { Self(.sms(value)) }
    /// A waitlist entry payload (`waitlistEntry.created`, `.updated`).
    public static func waitlistEntry(_ value: WebhookWaitlistEntry) -> Self { Self(.waitlistEntry(value)) }
    /// A payment attempt payload (`paymentAttempt.created`, `.updated`).
    public static func paymentAttempt(_ value: WebhookPaymentAttempt) -> Self { Self(.paymentAttempt(value)) }
    /// A subscription payload (`subscription.*`).
    public static func subscription(_ value: WebhookSubscription) -> Self { Self(.subscription(value)) }
    /// A subscription item payload (`subscriptionItem.*`).
    public static func subscriptionItem(_ value: WebhookSubscriptionItem) -> Self { Self(.subscriptionItem(value)) }
    /// A payload without a typed model here, or one that did not decode into its model.
    public static func other(_ json: JSONValue) -> Self { Self(.other(json)) }

    /// The user (`user.created`, `user.updated`); otherwise `nil`.
    public var user: User? { if case .user(let value) = storage { value } else { nil } }
    /// The deleted-object stub: `id`, `object`, `deleted`, and for some types `slug` or `external_id`; otherwise
    /// `nil`.
    public var deletedObject: DeletedObject? { if case .deletedObject(let value) = storage { value } else { nil } }
    /// The session payload (`session.*`); otherwise `nil`.
    public var session: SessionWebhookPayload? { if case .session(let value) = storage { value } else { nil } }
    /// The organization (`organization.created`, `organization.updated`); otherwise `nil`.
    public var organization: Organization? { if case .organization(let value) = storage { value } else { nil } }
    /// The membership (`organizationMembership.*`); otherwise `nil`.
    public var organizationMembership: OrganizationMembership? {
        if case .organizationMembership(let value) = storage { value } else { nil }
    }
    /// The invitation (`organizationInvitation.*`, `.accepted` included); otherwise `nil`.
    public var organizationInvitation: OrganizationInvitation? {
        switch storage {
        case .organizationInvitation(let value): value
        case .organizationInvitationAccepted(_, let value): value
        default: nil
        }
    }
    /// The accepted invitation with the accepting user's id (``WebhookOrganizationInvitationAccepted/userID``), for
    /// `organizationInvitation.accepted`; otherwise `nil`.
    public var organizationInvitationAccepted: WebhookOrganizationInvitationAccepted? {
        if case .organizationInvitationAccepted(let value, _) = storage { value } else { nil }
    }
    /// The organization domain (`organizationDomain.created`, `.updated`); otherwise `nil`.
    public var organizationDomain: WebhookOrganizationDomain? { if case .organizationDomain(let value) = storage { value } else { nil } }
    /// The role (`role.created`, `role.updated`); otherwise `nil`.
    public var role: WebhookRole? { if case .role(let value) = storage { value } else { nil } }
    /// The permission (`permission.created`, `permission.updated`); otherwise `nil`.
    public var permission: Permission? { if case .permission(let value) = storage { value } else { nil } }
    /// The email Clerk sent or was asked to send (`email.created`); otherwise `nil`.
    public var email: WebhookEmail? { if case .email(let value) = storage { value } else { nil } }
    /// The SMS message (`sms.created`); otherwise `nil`.
    public var sms: WebhookSMSMessage? { if case .sms(let value) = storage { value } else { nil } }
    /// The waitlist entry (`waitlistEntry.created`, `.updated`); otherwise `nil`.
    public var waitlistEntry: WebhookWaitlistEntry? { if case .waitlistEntry(let value) = storage { value } else { nil } }
    /// The payment attempt (`paymentAttempt.created`, `.updated`); otherwise `nil`.
    public var paymentAttempt: WebhookPaymentAttempt? { if case .paymentAttempt(let value) = storage { value } else { nil } }
    /// The subscription (`subscription.created`, `.updated`, `.active`, `.pastDue`); otherwise `nil`.
    public var subscription: WebhookSubscription? { if case .subscription(let value) = storage { value } else { nil } }
    /// The subscription item (`subscriptionItem.*`); otherwise `nil`.
    public var subscriptionItem: WebhookSubscriptionItem? { if case .subscriptionItem(let value) = storage { value } else { nil } }
    /// The raw JSON of a payload this SDK has no typed model for (or that did not decode into it); `nil` when the
    /// payload is typed. ``WebhookEvent/rawData`` has the JSON of every payload.
    public var other: JSONValue? { if case .other(let value) = storage { value } else { nil } }
    /// Whether the payload decoded into a typed model (`false` exactly when ``other`` is set).
    public var isTyped: Bool { other == nil }

    private enum Model {
        case user, deletedObject, session, organization, organizationMembership, organizationInvitation
        case organizationInvitationAccepted, organizationDomain, role, permission, email, sms, waitlistEntry
        case paymentAttempt, subscription, subscriptionItem
    }

    private static func model(for type: WebhookEventType) -> Model? {
        switch type {
        case .userCreated, .userUpdated: .user
        case .sessionCreated, .sessionPending, .sessionEnded, .sessionRemoved, .sessionRevoked: .session
        case .organizationCreated, .organizationUpdated: .organization
        case .organizationMembershipCreated, .organizationMembershipUpdated, .organizationMembershipDeleted:
            .organizationMembership
        case .organizationInvitationCreated, .organizationInvitationRevoked: .organizationInvitation
        case .organizationInvitationAccepted: .organizationInvitationAccepted
        case .organizationDomainCreated, .organizationDomainUpdated: .organizationDomain
        case .roleCreated, .roleUpdated: .role
        case .permissionCreated, .permissionUpdated: .permission
        case .emailCreated: .email
        case .smsCreated: .sms
        case .waitlistEntryCreated, .waitlistEntryUpdated: .waitlistEntry
        case .paymentAttemptCreated, .paymentAttemptUpdated: .paymentAttempt
        case .subscriptionCreated, .subscriptionUpdated, .subscriptionActive, .subscriptionPastDue: .subscription
        case .subscriptionItemAbandoned, .subscriptionItemActive, .subscriptionItemCanceled, .subscriptionItemCreated,
            .subscriptionItemEnded, .subscriptionItemFreeTrialEnding, .subscriptionItemIncomplete, .subscriptionItemPastDue,
            .subscriptionItemUpcoming, .subscriptionItemUpdated:
            .subscriptionItem
        case .userDeleted, .organizationDeleted, .organizationDomainDeleted, .roleDeleted, .permissionDeleted:
            .deletedObject
        default: nil
        }
    }

    /// The typed payload and, when a model exists but did not decode, the decoder's complaint.
    static func decode(type: WebhookEventType, payload: some WebhookPayloadSource) -> (WebhookEventData, String?) {
        guard let model = model(for: type) else {
            // An unknown `*.deleted` type whose payload is a deleted-object stub still gets the typed case.
            if type.rawValue.hasSuffix(".deleted"), payload.rawData["deleted"]?.boolValue == true,
                let stub = try? payload.decode(DeletedObject.self)
            {
                return (.deletedObject(stub), nil)
            }
            return (.other(payload.rawData), nil)
        }
        do {
            switch model {
            case .user: return (.user(try payload.decode(User.self)), nil)
            case .deletedObject: return (.deletedObject(try payload.decode(DeletedObject.self)), nil)
            case .session: return (.session(try payload.decode(SessionWebhookPayload.self)), nil)
            case .organization: return (.organization(try payload.decode(Organization.self)), nil)
            case .organizationMembership:
                return (.organizationMembership(try payload.decode(OrganizationMembership.self)), nil)
            case .organizationInvitation:
                return (.organizationInvitation(try payload.decode(OrganizationInvitation.self)), nil)
            case .organizationInvitationAccepted:
                let accepted = try payload.decode(WebhookOrganizationInvitationAccepted.self)
                let invitation = try payload.decode(OrganizationInvitation.self)
                return (.organizationInvitationAccepted(accepted, invitation: invitation), nil)
            case .organizationDomain: return (.organizationDomain(try payload.decode(WebhookOrganizationDomain.self)), nil)
            case .role: return (.role(try payload.decode(WebhookRole.self)), nil)
            case .permission: return (.permission(try payload.decode(Permission.self)), nil)
            case .email: return (.email(try payload.decode(WebhookEmail.self)), nil)
            case .sms: return (.sms(try payload.decode(WebhookSMSMessage.self)), nil)
            case .waitlistEntry: return (.waitlistEntry(try payload.decode(WebhookWaitlistEntry.self)), nil)
            case .paymentAttempt: return (.paymentAttempt(try payload.decode(WebhookPaymentAttempt.self)), nil)
            case .subscription: return (.subscription(try payload.decode(WebhookSubscription.self)), nil)
            case .subscriptionItem: return (.subscriptionItem(try payload.decode(WebhookSubscriptionItem.self)), nil)
            }
        } catch {
            return (.other(payload.rawData), ClerkClient.describe(error))
        }
    }
}

/// The payload of `session.*` events: the session (the Backend API `Session` model) and its user.
///
/// Session properties read straight through: `payload.id`, `payload.userID`, `payload.status`.
@dynamicMemberLookup
public struct SessionWebhookPayload: Codable, Hashable, Sendable {
    /// The session.
    public var session: Session
    /// The session's user (`data.user`), when the payload has one.
    public var user: User?

    /// Creates a payload from its parts.
    public init(session: Session, user: User? = nil) {
        self.session = session
        self.user = user
    }

    /// Reads a property of ``session``.
    public subscript<Value>(dynamicMember keyPath: KeyPath<Session, Value>) -> Value { session[keyPath: keyPath] }

    enum CodingKeys: String, CodingKey {
        case user
    }

    /// Decodes the session from the payload object and the user from its `user` member.
    public init(from decoder: any Decoder) throws {
        session = try Session(from: decoder)
        user = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(User.self, forKey: .user)
    }

    /// Encodes the session's members and `user` into one object, as Clerk sends it.
    public func encode(to encoder: any Encoder) throws {
        try session.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(user, forKey: .user)
    }
}

/// The `event_attributes` of a webhook event: the HTTP request that caused it.
public struct WebhookEventAttributes: Sendable, Hashable {
    /// `http_request`, when present and an object.
    public var httpRequest: HTTPRequest?
    /// `event_attributes` exactly as sent.
    public var raw: JSONValue

    /// The request that caused the event.
    public struct HTTPRequest: Sendable, Hashable {
        /// `client_ip`: the IP address of the client that made the request.
        public var clientIp: String?
        /// `user_agent`: the client's `User-Agent`.
        public var userAgent: String?

        /// Creates a value from its parts.
        public init(clientIp: String? = nil, userAgent: String? = nil) {
            self.clientIp = clientIp
            self.userAgent = userAgent
        }
    }

    /// Creates a value from its parts.
    public init(httpRequest: HTTPRequest?, raw: JSONValue) {
        self.httpRequest = httpRequest
        self.raw = raw
    }

    /// Reads `http_request` out of raw `event_attributes` (fields of the wrong type are left `nil`).
    public init(raw: JSONValue) {
        self.raw = raw
        if let request = raw["http_request"], request.objectValue != nil {
            httpRequest = HTTPRequest(
                clientIp: request["client_ip"]?.stringValue, userAgent: request["user_agent"]?.stringValue
            )
        } else {
            httpRequest = nil
        }
    }
}
