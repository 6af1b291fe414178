/// The `type` of a Clerk webhook event, such as `user.created`.
///
/// An open set: Clerk adds event types over time, and a type this SDK does not know still decodes (and
/// round-trips unchanged). The static members are every event type of Clerk's webhooks specification
/// (`clerk-webhooks-2025-04-15.yml`); compare with them or with any string:
///
/// ```swift
/// switch event.type {
/// case .userCreated: …
/// case "user.legal_accepted": …   // a type added after this SDK was released
/// default: break
/// }
/// ```
public struct WebhookEventType: OpenStringEnum {
    /// The type as Clerk sends it, such as `user.created`.
    public let rawValue: String
    /// Creates a type from its string; any string is accepted.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// `email.created`: Email created.
    public static let emailCreated: Self = "email.created"
    /// `organization.created`: New organization was created.
    public static let organizationCreated: Self = "organization.created"
    /// `organization.updated`: Organization updated.
    public static let organizationUpdated: Self = "organization.updated"
    /// `organization.deleted`: Organization deleted.
    public static let organizationDeleted: Self = "organization.deleted"
    /// `organizationDomain.created`: Organization domain created.
    public static let organizationDomainCreated: Self = "organizationDomain.created"
    /// `organizationDomain.updated`: Organization domain updated.
    public static let organizationDomainUpdated: Self = "organizationDomain.updated"
    /// `organizationDomain.deleted`: Organization domain deleted.
    public static let organizationDomainDeleted: Self = "organizationDomain.deleted"
    /// `organizationInvitation.created`: Organization invitation created.
    public static let organizationInvitationCreated: Self = "organizationInvitation.created"
    /// `organizationInvitation.accepted`: Organization invitation accepted.
    public static let organizationInvitationAccepted: Self = "organizationInvitation.accepted"
    /// `organizationInvitation.revoked`: Organization invitation revoked.
    public static let organizationInvitationRevoked: Self = "organizationInvitation.revoked"
    /// `organizationMembership.created`: Organization membership created.
    public static let organizationMembershipCreated: Self = "organizationMembership.created"
    /// `organizationMembership.updated`: Organization membership updated.
    public static let organizationMembershipUpdated: Self = "organizationMembership.updated"
    /// `organizationMembership.deleted`: Organization membership deleted.
    public static let organizationMembershipDeleted: Self = "organizationMembership.deleted"
    /// `paymentAttempt.created`: Payment attempt created.
    public static let paymentAttemptCreated: Self = "paymentAttempt.created"
    /// `paymentAttempt.updated`: Payment attempt updated.
    public static let paymentAttemptUpdated: Self = "paymentAttempt.updated"
    /// `permission.created`: Permission created.
    public static let permissionCreated: Self = "permission.created"
    /// `permission.updated`: Permission updated.
    public static let permissionUpdated: Self = "permission.updated"
    /// `permission.deleted`: Permission deleted.
    public static let permissionDeleted: Self = "permission.deleted"
    /// `role.created`: Role created.
    public static let roleCreated: Self = "role.created"
    /// `role.updated`: Role updated.
    public static let roleUpdated: Self = "role.updated"
    /// `role.deleted`: Role deleted.
    public static let roleDeleted: Self = "role.deleted"
    /// `session.created`: Session created.
    public static let sessionCreated: Self = "session.created"
    /// `session.pending`: Session pending.
    public static let sessionPending: Self = "session.pending"
    /// `session.ended`: Session ended.
    public static let sessionEnded: Self = "session.ended"
    /// `session.removed`: Session removed.
    public static let sessionRemoved: Self = "session.removed"
    /// `session.revoked`: Session revoked.
    public static let sessionRevoked: Self = "session.revoked"
    /// `sms.created`: SMS created.
    public static let smsCreated: Self = "sms.created"
    /// `subscription.created`: Subscription created.
    public static let subscriptionCreated: Self = "subscription.created"
    /// `subscription.updated`: Subscription updated.
    public static let subscriptionUpdated: Self = "subscription.updated"
    /// `subscription.active`: Subscription active.
    public static let subscriptionActive: Self = "subscription.active"
    /// `subscription.pastDue`: Subscription past due.
    public static let subscriptionPastDue: Self = "subscription.pastDue"
    /// `subscriptionItem.abandoned`: Subscription item abandoned.
    public static let subscriptionItemAbandoned: Self = "subscriptionItem.abandoned"
    /// `subscriptionItem.active`: Subscription item active.
    public static let subscriptionItemActive: Self = "subscriptionItem.active"
    /// `subscriptionItem.canceled`: Subscription item canceled.
    public static let subscriptionItemCanceled: Self = "subscriptionItem.canceled"
    /// `subscriptionItem.created`: Subscription item created. Clerk sends it, though the webhooks spec of
    /// 2025-04-15 does not list it (so it is not in ``allKnown``); its payload is a subscription item.
    public static let subscriptionItemCreated: Self = "subscriptionItem.created"
    /// `subscriptionItem.ended`: Subscription item ended.
    public static let subscriptionItemEnded: Self = "subscriptionItem.ended"
    /// `subscriptionItem.freeTrialEnding`: Subscription item free trial ending.
    public static let subscriptionItemFreeTrialEnding: Self = "subscriptionItem.freeTrialEnding"
    /// `subscriptionItem.incomplete`: Subscription item incomplete.
    public static let subscriptionItemIncomplete: Self = "subscriptionItem.incomplete"
    /// `subscriptionItem.pastDue`: Subscription item past due.
    public static let subscriptionItemPastDue: Self = "subscriptionItem.pastDue"
    /// `subscriptionItem.upcoming`: Subscription item upcoming.
    public static let subscriptionItemUpcoming: Self = "subscriptionItem.upcoming"
    /// `subscriptionItem.updated`: Subscription item updated.
    public static let subscriptionItemUpdated: Self = "subscriptionItem.updated"
    /// `user.created`: User created.
    public static let userCreated: Self = "user.created"
    /// `user.updated`: User updated.
    public static let userUpdated: Self = "user.updated"
    /// `user.deleted`: User deleted.
    public static let userDeleted: Self = "user.deleted"
    /// `waitlistEntry.created`: Waitlist entry created.
    public static let waitlistEntryCreated: Self = "waitlistEntry.created"
    /// `waitlistEntry.updated`: Waitlist entry updated.
    public static let waitlistEntryUpdated: Self = "waitlistEntry.updated"

    /// Every event type of Clerk's webhooks specification, in the order the specification lists them.
    public static let allKnown: [WebhookEventType] = [
        .emailCreated, .organizationCreated, .organizationUpdated, .organizationDeleted, .organizationDomainCreated,
        .organizationDomainUpdated, .organizationDomainDeleted, .organizationInvitationCreated,
        .organizationInvitationAccepted, .organizationInvitationRevoked, .organizationMembershipCreated,
        .organizationMembershipUpdated, .organizationMembershipDeleted, .paymentAttemptCreated,
        .paymentAttemptUpdated, .permissionCreated, .permissionUpdated, .permissionDeleted, .roleCreated,
        .roleUpdated, .roleDeleted, .sessionCreated, .sessionPending, .sessionEnded, .sessionRemoved,
        .sessionRevoked, .smsCreated, .subscriptionCreated, .subscriptionUpdated, .subscriptionActive,
        .subscriptionPastDue, .subscriptionItemAbandoned, .subscriptionItemActive, .subscriptionItemCanceled,
        .subscriptionItemEnded, .subscriptionItemFreeTrialEnding, .subscriptionItemIncomplete,
        .subscriptionItemPastDue, .subscriptionItemUpcoming, .subscriptionItemUpdated, .userCreated, .userUpdated,
        .userDeleted, .waitlistEntryCreated, .waitlistEntryUpdated,
    ]
}
