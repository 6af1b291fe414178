import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing
import Yams

@Suite("Webhooks: WebhookEvent decoding")
struct WebhookEventTests {
    /// Which case each modeled type decodes to; every other type of the spec is `.other`.
    static let expectedCase: [String: String] = [
        "user.created": "user", "user.updated": "user",
        "user.deleted": "deletedObject", "organization.deleted": "deletedObject",
        "organizationDomain.deleted": "deletedObject", "role.deleted": "deletedObject",
        "permission.deleted": "deletedObject",
        "session.created": "session", "session.pending": "session", "session.ended": "session",
        "session.removed": "session", "session.revoked": "session",
        "organization.created": "organization", "organization.updated": "organization",
        "organizationMembership.created": "organizationMembership",
        "organizationMembership.updated": "organizationMembership",
        "organizationMembership.deleted": "organizationMembership",
        "organizationInvitation.created": "organizationInvitation",
        "organizationInvitation.accepted": "organizationInvitationAccepted",
        "organizationInvitation.revoked": "organizationInvitation",
        "organizationDomain.created": "organizationDomain", "organizationDomain.updated": "organizationDomain",
        "role.created": "role", "role.updated": "role", "permission.created": "permission",
        "permission.updated": "permission", "email.created": "email", "sms.created": "sms",
        "waitlistEntry.created": "waitlistEntry", "waitlistEntry.updated": "waitlistEntry",
        "paymentAttempt.created": "paymentAttempt", "paymentAttempt.updated": "paymentAttempt",
        "subscription.created": "subscription", "subscription.updated": "subscription",
        "subscription.active": "subscription", "subscription.pastDue": "subscription",
        "subscriptionItem.abandoned": "subscriptionItem", "subscriptionItem.active": "subscriptionItem",
        "subscriptionItem.canceled": "subscriptionItem", "subscriptionItem.ended": "subscriptionItem",
        "subscriptionItem.freeTrialEnding": "subscriptionItem", "subscriptionItem.incomplete": "subscriptionItem",
        "subscriptionItem.pastDue": "subscriptionItem", "subscriptionItem.upcoming": "subscriptionItem",
        "subscriptionItem.updated": "subscriptionItem",
    ]

    static func caseName(_ data: WebhookEventData) -> String {
        if data.user != nil { return "user" }
        if data.deletedObject != nil { return "deletedObject" }
        if data.session != nil { return "session" }
        if data.organization != nil { return "organization" }
        if data.organizationMembership != nil { return "organizationMembership" }
        if data.organizationInvitationAccepted != nil {
            #expect(data.organizationInvitation != nil, "an accepted invitation is an invitation too")
            return "organizationInvitationAccepted"
        }
        if data.organizationInvitation != nil { return "organizationInvitation" }
        if data.organizationDomain != nil { return "organizationDomain" }
        if data.role != nil { return "role" }
        if data.permission != nil { return "permission" }
        if data.email != nil { return "email" }
        if data.sms != nil { return "sms" }
        if data.waitlistEntry != nil { return "waitlistEntry" }
        if data.paymentAttempt != nil { return "paymentAttempt" }
        if data.subscription != nil { return "subscription" }
        if data.subscriptionItem != nil { return "subscriptionItem" }
        #expect(data.other != nil && !data.isTyped)
        return "other"
    }

    @Test("WebhookEventType has a member for every event type of the webhooks spec, and no other")
    func eventTypesMatchSpec() throws {
        let spec = try #require(try Yams.load(yaml: Fixtures.string("clerk-webhooks-2025-04-15.yml")) as? [String: Any])
        let webhooks = try #require(spec["x-webhooks"] as? [String: Any])
        let specTypes = Set(webhooks.keys)
        #expect(specTypes.count == 45)
        #expect(Set(WebhookEventType.allKnown.map(\.rawValue)) == specTypes)
        #expect(WebhookEventType.allKnown.count == specTypes.count)
        #expect(Set(try WebhookSpecExamples.all().keys) == specTypes)
        #expect(WebhookEventType.userCreated.rawValue == "user.created")
        #expect(WebhookEventType.organizationMembershipDeleted.rawValue == "organizationMembership.deleted")
        #expect(WebhookEventType.subscriptionItemFreeTrialEnding.rawValue == "subscriptionItem.freeTrialEnding")
        #expect(WebhookEventType.waitlistEntryUpdated == "waitlistEntry.updated")
    }

    @Test("Every example of the webhooks spec verifies and decodes into its typed payload (every event type is typed)", arguments: try WebhookSpecExamples.all().keys.sorted())
    func specExample(_ type: String) throws {
        let example = try #require(try WebhookSpecExamples.all()[type])
        let event = try WebhookSpecExamples.verifiedEvent(type)
        #expect(event.type.rawValue == type)
        #expect(event.object == "event")
        #expect(event.rawData == example["data"])
        #expect(event.instanceID == example["instance_id"]?.stringValue)
        #expect(event.timestamp == example["timestamp"]?.intValue)
        #expect(event.messageID == "msg_test")
        #expect(event.messageTimestamp == Date(timeIntervalSince1970: TimeInterval(webhookTestNow)))
        #expect(event.dataDecodingFailure == nil, "\(event.dataDecodingFailure ?? "")")
        #expect(Self.caseName(event.data) == (Self.expectedCase[type] ?? "other"))
        if let raw = event.data.other { #expect(raw == example["data"]) }
        if let attributes = example["event_attributes"] {
            #expect(event.eventAttributes?.raw == attributes)
            #expect(event.eventAttributes?.httpRequest?.clientIp == attributes["http_request"]?["client_ip"]?.stringValue)
            #expect(event.eventAttributes?.httpRequest?.userAgent == attributes["http_request"]?["user_agent"]?.stringValue)
        }
    }

    @Test("user.created: a typed User, and the event attributes")
    func userCreated() throws {
        let event = try WebhookSpecExamples.verifiedEvent("user.created")
        let user = try #require(event.data.user)
        #expect(event.type == .userCreated)
        #expect(user.id == "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S")
        #expect(user.firstName == "John")
        #expect(user.lastName == "Doe")
        #expect(user.hasImage)
        #expect(user.passwordEnabled)
        #expect(user.primaryEmailAddressID == "idn_2g7np7Hrk0SN6kj5EDMLDaKNL0S")
        #expect(user.createdAt == event.rawData["created_at"]?.intValue)
        #expect(user.publicMetadata.isEmpty)
        #expect(event.eventAttributes?.httpRequest?.clientIp == "192.168.1.100")
        #expect(event.eventAttributes?.httpRequest?.userAgent?.hasPrefix("Mozilla/5.0 (Macintosh;") == true)
        #expect(event.instanceID == "ins_2g7np7Hrk0SN6kj5EDMLDaKNL0S")
        #expect(event.timestamp == 1_716_883_200)
        #expect(event.data.organization == nil)
    }

    @Test("user.deleted: a deleted-object stub")
    func userDeleted() throws {
        let event = try WebhookSpecExamples.verifiedEvent("user.deleted")
        let deleted = try #require(event.data.deletedObject)
        #expect(event.type == .userDeleted)
        #expect(deleted.id == "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S")
        #expect(deleted.externalID == "ex_123456789")
        #expect(deleted.object == "user")
        #expect(deleted.deleted)
        #expect(event.data.user == nil)
    }

    @Test("session.created: the session and its user")
    func sessionCreated() throws {
        let event = try WebhookSpecExamples.verifiedEvent("session.created")
        let payload = try #require(event.data.session)
        #expect(event.type == .sessionCreated)
        #expect(payload.id == "sess_2g7np7Hrk0SN6kj5EDMLDaKNL0S")
        #expect(payload.session.userID == "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S")
        #expect(payload.status == .active)
        #expect(payload.clientID == "client_2g7np7Hrk0SN6kj5EDMLDaKNL0S")
        #expect(payload.latestActivity?.browserName == "Chrome")
        #expect(payload.expireAt == 1_716_969_600_000)
        #expect(payload.user?.id == payload.userID)
        #expect(payload.user?.firstName == "John")
        // Re-encoding the payload gives back the example's data.
        let reencoded = try JSONValue(encoding: payload)
        #expect(reencoded["user"]?["id"] == event.rawData["user"]?["id"])
        #expect(reencoded["id"] == event.rawData["id"])
        #expect(try reencoded.decode(as: SessionWebhookPayload.self) == payload)
    }

    @Test("session.* without a user still decodes (user is nil)")
    func sessionWithoutUser() throws {
        var example = try #require(try WebhookSpecExamples.all()["session.ended"]?.objectValue)
        var data = try #require(example["data"]?.objectValue)
        data["user"] = nil
        example["data"] = .object(data)
        let body = String(decoding: try JSONEncoder().encode(JSONValue.object(example)), as: UTF8.self)
        let event = try makeTestWebhookVerifier().verify(body: Data(body.utf8), headers: webhookSignedHeaders(body: body))
        let payload = try #require(event.data.session)
        #expect(payload.user == nil)
        #expect(payload.status == .ended)
    }

    @Test("organization.created: a typed Organization")
    func organizationCreated() throws {
        let event = try WebhookSpecExamples.verifiedEvent("organization.created")
        let organization = try #require(event.data.organization)
        #expect(event.type == .organizationCreated)
        #expect(organization.id == event.rawData["id"]?.stringValue)
        #expect(organization.name == event.rawData["name"]?.stringValue)
        #expect(organization.slug == event.rawData["slug"]?.stringValue)
        #expect(organization.createdBy == event.rawData["created_by"]?.stringValue)
        #expect(!organization.id.isEmpty)
    }

    @Test("organizationMembership.created: a typed membership with its organization and user data")
    func membershipCreated() throws {
        let event = try WebhookSpecExamples.verifiedEvent("organizationMembership.created")
        let membership = try #require(event.data.organizationMembership)
        #expect(event.type == .organizationMembershipCreated)
        #expect(membership.id == event.rawData["id"]?.stringValue)
        #expect(membership.role == event.rawData["role"]?.stringValue)
        #expect(membership.organization.id == event.rawData["organization"]?["id"]?.stringValue)
        #expect(membership.publicUserData?.userID == event.rawData["public_user_data"]?["user_id"]?.stringValue)
        #expect(membership.publicUserData?.userID.isEmpty == false)
    }

    @Test("organizationInvitation.created and .accepted: a typed invitation; the accepting user is typed too")
    func invitation() throws {
        let created = try WebhookSpecExamples.verifiedEvent("organizationInvitation.created")
        let invitation = try #require(created.data.organizationInvitation)
        #expect(created.type == .organizationInvitationCreated)
        #expect(invitation.id == created.rawData["id"]?.stringValue)
        #expect(invitation.emailAddress == created.rawData["email_address"]?.stringValue)
        #expect(invitation.role == created.rawData["role"]?.stringValue)
        #expect(invitation.status == created.rawData["status"]?.stringValue)
        #expect(invitation.inviterID == nil)  // absent in the spec's example

        let accepted = try WebhookSpecExamples.verifiedEvent("organizationInvitation.accepted")
        #expect(accepted.data.organizationInvitation?.status == "accepted")
        #expect(accepted.rawData["user_id"]?.stringValue == "user_2h8op3Isl1QR7tKu5FGNfaLKEoU")
        #expect(accepted.data.organizationInvitationAccepted?.userID == "user_2h8op3Isl1QR7tKu5FGNfaLKEoU")
    }

    @Test("An unknown event type verifies and is .other, with its type kept")
    func unknownType() throws {
        let body = #"{"type":"spaceship.launched","object":"event","data":{"id":"ship_1","fuel":0.75,"crew":[1,2]},"future_field":true}"#
        let event = try makeTestWebhookVerifier().verify(body: Data(body.utf8), headers: webhookSignedHeaders(body: body))
        #expect(event.type == "spaceship.launched")
        #expect(!WebhookEventType.allKnown.contains(event.type))
        #expect(event.data == .other(["id": "ship_1", "fuel": 0.75, "crew": [1, 2]]))
        #expect(event.dataDecodingFailure == nil)
        #expect(event.eventAttributes == nil)
        #expect(event.instanceID == nil)
        #expect(event.timestamp == nil)
    }

    @Test(
        "An authentic webhook whose data does not fit its model still verifies, as .other",
        arguments: [
            #"{"type":"user.created","object":"event","data":{"id":1}}"#,
            #"{"type":"user.updated","object":"event","data":"not an object"}"#,
            #"{"type":"session.created","object":"event","data":{"id":"sess_1","user":{"id":"user_1"}}}"#,
            #"{"type":"organization.created","object":"event","data":null}"#,
            #"{"type":"organizationMembership.created","object":"event"}"#,
            #"{"type":"user.deleted","object":"event","data":{"id":"user_1","deleted":"yes"}}"#,
        ]
    )
    func unexpectedShape(_ body: String) throws {
        let event = try makeTestWebhookVerifier().verify(body: Data(body.utf8), headers: webhookSignedHeaders(body: body))
        let envelope = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
        #expect(event.data == .other(envelope["data"] ?? .null))
        #expect(event.rawData == envelope["data"] ?? .null)
        #expect(event.dataDecodingFailure != nil)
        #expect(event.type.rawValue == envelope["type"]?.stringValue)
    }

    @Test("The small svix vector bodies (a user stub) verify and fall back to .other")
    func vectorBodiesFallBack() throws {
        let vector = try #require(try WebhookVector.all().first { $0.name == "valid-0" })
        let clock = ManualClock(now: Date(timeIntervalSince1970: TimeInterval(vector.now)))
        let event = try WebhookVerifier(signingSecret: Secret(vector.secret), clock: clock.clerkClock)
            .verify(body: Data(vector.body.utf8), headers: vector.headers)
        #expect(event.type == .userCreated)
        #expect(event.data == .other(["id": "user_29w83sxmDNGwOuEthce5gg56FcC", "object": "user"]))
        #expect(event.dataDecodingFailure?.contains("missing key") == true)
    }

    @Test("A *.deleted type this SDK does not know, with a deleted-object stub, is .deletedObject")
    func unknownDeletedType() throws {
        let body = #"{"type":"spaceship.deleted","object":"event","data":{"id":"ship_1","object":"spaceship","deleted":true}}"#
        let event = try makeTestWebhookVerifier().verify(body: Data(body.utf8), headers: webhookSignedHeaders(body: body))
        #expect(event.data == .deletedObject(DeletedObject(object: "spaceship", id: "ship_1", deleted: true)))
        let notStub = #"{"type":"spaceship.deleted","object":"event","data":{"id":"ship_1"}}"#
        let other = try makeTestWebhookVerifier().verify(body: Data(notStub.utf8), headers: webhookSignedHeaders(body: notStub))
        #expect(other.data == .other(["id": "ship_1"]))
    }

    @Test("Event attributes: typed http_request when it is an object, raw otherwise")
    func eventAttributes() throws {
        func event(_ attributes: String) throws -> WebhookEvent {
            let body = #"{"type":"sms.created","object":"event","data":{},"event_attributes":"# + attributes + "}"
            return try makeTestWebhookVerifier().verify(body: Data(body.utf8), headers: webhookSignedHeaders(body: body))
        }
        let full = try event(#"{"http_request":{"client_ip":"203.0.113.9","user_agent":"curl/8"},"extra":1}"#)
        #expect(full.eventAttributes?.httpRequest == .init(clientIp: "203.0.113.9", userAgent: "curl/8"))
        #expect(full.eventAttributes?.raw["extra"] == 1)
        let partial = try event(#"{"http_request":{"client_ip":"203.0.113.9","user_agent":42}}"#)
        #expect(partial.eventAttributes?.httpRequest == .init(clientIp: "203.0.113.9", userAgent: nil))
        let odd = try event(#"{"http_request":"GET /"}"#)
        #expect(odd.eventAttributes?.httpRequest == nil)
        #expect(odd.eventAttributes?.raw == ["http_request": "GET /"])
        let empty = try event("{}")
        #expect(empty.eventAttributes == WebhookEventAttributes(httpRequest: nil, raw: [:]))
    }

    @Test("decodeData decodes the payload into a caller's own type")
    func decodeData() throws {
        struct Entry: Decodable, Equatable {
            let id: String
            let emailAddress: String
            let status: String
        }
        let event = try WebhookSpecExamples.verifiedEvent("waitlistEntry.created")
        #expect(Self.caseName(event.data) == "waitlistEntry")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let entry = try event.decodeData(as: Entry.self, using: decoder)
        #expect(entry.id == event.rawData["id"]?.stringValue)
        #expect(entry.emailAddress == event.rawData["email_address"]?.stringValue)
        #expect(entry.status == event.rawData["status"]?.stringValue)
        #expect(throws: DecodingError.self) { try event.decodeData(as: [Int].self) }
        // Typed events can be decoded the caller's way too.
        struct Minimal: Decodable { let id: String }
        #expect(try WebhookSpecExamples.verifiedEvent("user.created").decodeData(as: Minimal.self).id == "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S")
    }

    @Test("WebhookEvent(decodingUnverified:) decodes without any signature, and refuses non-objects")
    func unverifiedDecoding() throws {
        let body = try WebhookSpecExamples.body("organization.updated")
        let event = try WebhookEvent(decodingUnverified: Data(body.utf8), messageID: "msg_local")
        #expect(event.type == .organizationUpdated)
        #expect(event.messageID == "msg_local")
        #expect(event.data.organization != nil)
        expectWebhookError(.invalidPayload) { _ = try WebhookEvent(decodingUnverified: Array("[]".utf8)) }
    }

    @Test("WebhookEvent can be built by hand, for tests of handlers")
    func handBuilt() {
        let event = WebhookEvent(type: .smsCreated, data: .other(["to": "+15555550100"]), rawData: ["to": "+15555550100"])
        #expect(event.object == "event")
        #expect(event.messageID.isEmpty)
        #expect(event.eventAttributes == nil)
        #expect(event.data.user == nil)
    }

    // MARK: One parse of the body

    /// What the general path (JSONDecoder's rules throughout) reads for a body, to compare the one-parse path with.
    static func envelope(_ body: String) throws -> [String: JSONValue] {
        try JSONDecoder().decode([String: JSONValue].self, from: Data(body.utf8))
    }

    @Test("One parse: rawData, built from the parsed body when first read, is JSONDecoder's reading of data", arguments: [
        // Plain: integers, strings with escapes, nested objects, member names in any order.
        #"{"type":"user.updated","object":"event","timestamp":1764432000,"data":{"object":"user","id":"user_1","first_name":"Ad\u00e9","public_metadata":{"z":[1,-2,null],"a":{"b":true}},"email_addresses":[],"created_at":1,"updated_at":2}}"#,
        // A number that is not a plain integer inside the payload: JSONDecoder reads it.
        #"{"type":"user.updated","data":{"object":"user","id":"user_1","public_metadata":{"score":1.5,"big":1e3,"huge":99999999999999999999}}}"#,
        // Equal member names inside the payload: JSONDecoder's choice.
        #"{"type":"role.created","data":{"id":"role_1","key":"org:a","key":"org:b"}}"#,
        // Equal member names in the envelope: the whole body goes the general way.
        #"{"type":"sms.created","type":"email.created","data":{"id":"ema_1"}}"#,
        // An envelope field of an unexpected kind.
        #"{"type":7,"object":null,"timestamp":1.0,"instance_id":["x"],"data":{"id":"x"}}"#,
    ])
    func oneParse(_ body: String) throws {
        let event = try WebhookEvent(decodingUnverified: Data(body.utf8))
        let envelope = try Self.envelope(body)
        #expect(event.rawData == (envelope["data"] ?? .null))
        #expect(event.type.rawValue == (envelope["type"]?.stringValue ?? ""))
        #expect(event.object == (envelope["object"]?.stringValue ?? ""))
        #expect(event.timestamp == envelope["timestamp"]?.intValue)
        #expect(event.instanceID == envelope["instance_id"]?.stringValue)
        // Equal events compare and hash alike, whichever way rawData was made.
        let again = try WebhookEvent(decodingUnverified: Data(body.utf8))
        #expect(again == event)
        #expect(again.hashValue == event.hashValue)
        var built = event
        built.rawData = envelope["data"] ?? .null
        #expect(built == event)
        built.rawData = ["changed": true]
        #expect(built != event)
    }

    @Test("One parse: a payload the fast path cannot type still decodes through JSONDecoder")
    func typedThroughFallback() throws {
        var payload = try JSONDecoder().decode([String: JSONValue].self, from: Data(try Fixtures.userJSON(id: "user_1").utf8))
        payload["public_metadata"] = ["score": JSONValue.double(1.5)]
        let body = String(decoding: try JSONEncoder().encode(["type": JSONValue.string("user.updated"), "data": .object(payload)]), as: UTF8.self)
        #expect(body.contains("1.5"))
        let event = try WebhookEvent(decodingUnverified: Data(body.utf8))
        #expect(event.dataDecodingFailure == nil, "\(event.dataDecodingFailure ?? "")")
        let user = try #require(event.data.user)
        #expect(user.id == "user_1")
        #expect(user.publicMetadata["score"] == .double(1.5))
    }

    @Test("decodeData reads the payload's own bytes: numbers beyond Int64 and Double keep every digit")
    func decodeDataExactBytes() throws {
        struct Amounts: Decodable { let big: UInt64; let precise: Decimal }
        let body = #"{"type":"paymentAttempt.updated","data":{"big":18446744073709551615,"precise":0.10000000000000000001}}"#
        let event = try WebhookEvent(decodingUnverified: Data(body.utf8))
        let amounts = try event.decodeData(as: Amounts.self)
        #expect(amounts.big == UInt64.max)
        #expect(amounts.precise == Decimal(string: "0.10000000000000000001"))
        // A payload set by hand is encoded, as before.
        var edited = event
        edited.rawData = ["big": 1, "precise": 2]
        #expect(try edited.decodeData(as: Amounts.self).big == 1)
    }
}
