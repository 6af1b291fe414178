import ClerkBackend
import Foundation
import GRDB
import Logging

/// Billing: plans, prices, subscriptions and their items, credit balances, statements.
///
/// The emulator charges no card and has no checkout, but keeps the state a development instance with Billing
/// enabled would show:
///
/// - Plans: Clerk's two default free plans (`free_user` for users, `free_org` for organizations), seeded on first use,
///   each with its default price (0). `CreateBillingPrice` adds custom prices to a plan.
/// - Every user and organization has a subscription to its payer type's free plan, with one active item, created
///   on first use (dated from the user's or organization's creation, as if Billing had always been on).
/// - Price transitions: to a dearer price, or from a free item, at once (the previous item ends; what a real instance
///   would charge is logged); to a cheaper price, at the end of the paid period (the new item is `upcoming`).
///   Cancelling a paid item keeps it until its period ends, then the free plan follows; `end_now` ends it at once.
///   Paid periods renew (the charge logged) when an operation next looks at the payer.
/// - Credits: a balance per payer, adjusted through a ledger; an idempotency key returns the original entry.
/// - Statements and payment attempts: every charge a real instance would make (a paid price transition, a paid period
///   beginning or renewing) is kept as a paid payment attempt on the payer's emulated card (`4242`), in the payer's
///   statement of that month (UTC; `open` during the month, `closed` after), and recorded as an effect. No card is
///   charged. Discounts: none exist (the Backend API has no operation that creates one), so applying or removing one
///   answers 404.
extension EmulatorState {
    static func registerBilling(_ table: inout [Endpoint: EmulatorHandler]) {
        // MARK: Plans and prices

        table[.getCommercePlanList] = { state, request in
            let instanceID = state.keys.signer.kid
            try await state.store.writer.write { db in try BillingEmulation.ensurePlans(instanceID: instanceID, db) }
            var conditions = ["kind = '\(BillingEmulation.planKind)'"]
            var arguments: [any DatabaseValueConvertible] = []
            if let payerType = request.queryValue("payer_type") {
                try BillingEmulation.checkPayerType(payerType)
                conditions.append("json_extract(doc, '$.for_payer_type') = ?")
                arguments.append(payerType)
            }
            return try await state.listRecords(conditions, arguments, request, order: "created_at DESC, rowid DESC", wrappedByDefault: true)
        }
        table[.getBillingPriceList] = { state, request in
            let instanceID = state.keys.signer.kid
            let planID = request.queryValue("plan_id")
            try await state.store.writer.write { db in
                try BillingEmulation.ensurePlans(instanceID: instanceID, db)
                if let planID, try EmulatorStore.fetch(planID, kind: BillingEmulation.planKind, db) == nil {
                    throw EmulatorError.notFound("Plan")
                }
            }
            var conditions = ["kind = '\(BillingEmulation.priceKind)'"]
            var arguments: [any DatabaseValueConvertible] = []
            if let planID {
                conditions.append("parent_id = ?")
                arguments.append(planID)
            }
            // Amount ascending, then newest first.
            return try await state.listRecords(
                conditions, arguments, request, order: "json_extract(doc, '$.amount') ASC, created_at DESC, rowid DESC",
                wrappedByDefault: true
            )
        }
        table[.createBillingPrice] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let planID = try body.requiredString("plan_id")
            let currency = try BillingEmulation.currency(body.string("currency"))
            let amount = try BillingEmulation.priceAmount(body.int("amount"), name: "amount")
            let annualMonthlyAmount = try BillingEmulation.priceAmount(body.int("annual_monthly_amount"), name: "annual_monthly_amount")
            let description = try body.string("description")
            let periods = try BillingEmulation.supportedPeriods(
                body.string("supported_billing_periods"), amount: amount, annualMonthlyAmount: annualMonthlyAmount
            )
            let instanceID = state.keys.signer.kid
            let fee: JSONValue = amount.map { BillingEmulation.money($0) } ?? .null
            let annualMonthlyFee: JSONValue = annualMonthlyAmount.map { BillingEmulation.money($0) } ?? .null
            let descriptionValue: JSONValue = description.map { .string($0) } ?? .null
            let doc = try await state.store.writer.write { db -> JSONValue in
                try BillingEmulation.ensurePlans(instanceID: instanceID, db)
                guard let plan = try EmulatorStore.fetch(planID, kind: BillingEmulation.planKind, db) else {
                    throw EmulatorError.notFound("Plan")
                }
                let now = nowMillis()
                let id = EmulatorIDs.make("cprice")
                let doc: JSONValue = [
                    "object": "commerce_price", "id": .string(id), "plan_id": .string(plan.id), "instance_id": .string(instanceID),
                    "currency": .string(currency), "currency_symbol": "$",
                    "amount": .int(amount ?? 0), "annual_monthly_amount": .int(annualMonthlyAmount ?? 0),
                    "fee": fee, "annual_monthly_fee": annualMonthlyFee, "description": descriptionValue, "is_default": false,
                    "created_at": .int(now), "supported_billing_periods": .string(periods),
                ]
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: id, kind: BillingEmulation.priceKind, parentID: plan.id, createdAt: now, updatedAt: now, sortKey: nil,
                        doc: doc, secret: nil
                    ), db
                )
                return doc
            }
            return try .json(doc)
        }

        // MARK: Subscriptions and their items

        table[.getUserBillingSubscription] = { state, request in
            let user = try await state.user(request.path("user_id"))
            return try await BillingEmulation.subscriptionAnswer(state, BillingEmulation.Owner(user))
        }
        table[.getOrganizationBillingSubscription] = { state, request in
            let organization = try await state.organization(request.path("organization_id"))
            return try await BillingEmulation.subscriptionAnswer(state, BillingEmulation.Owner(organization))
        }
        table[.getCommerceSubscriptionItemList] = { state, request in
            var conditions = [
                "kind = '\(BillingEmulation.itemKind)'",
                // Items of deleted users and organizations are gone with them.
                "EXISTS (SELECT 1 FROM resources o WHERE o.id = resources.parent_id AND o.kind IN ('user', 'organization'))",
            ]
            var arguments: [any DatabaseValueConvertible] = []
            if let status = request.queryValue("status") {
                switch status {
                case "free_trial":
                    conditions.append("json_extract(doc, '$.is_free_trial') = 1")
                case "active", "ended", "past_due", "upcoming":
                    conditions.append("json_extract(doc, '$.status') = ?")
                    arguments.append(status)
                default:
                    throw EmulatorError.invalidQuery("status", "must be one of active, ended, past_due, upcoming, free_trial")
                }
            }
            if let payerType = request.queryValue("payer_type") {
                try BillingEmulation.checkPayerType(payerType)
                conditions.append("json_extract(doc, '$.plan.for_payer_type') = ?")
                arguments.append(payerType)
            }
            if let planID = request.queryValue("plan_id") {
                conditions.append("json_extract(doc, '$.plan_id') = ?")
                arguments.append(planID)
            }
            if try request.queryBool("include_free") != true {
                conditions.append(
                    """
                    NOT EXISTS (SELECT 1 FROM resources p WHERE p.kind = '\(BillingEmulation.priceKind)'
                        AND p.id = json_extract(resources.doc, '$.price_id')
                        AND json_extract(p.doc, '$.amount') = 0 AND json_extract(p.doc, '$.annual_monthly_amount') = 0)
                    """
                )
            }
            if let query = request.queryValue("query"), !query.isEmpty {
                conditions.append(BillingEmulation.itemSearchCondition)
                arguments += Array(repeating: likePattern(containing: query), count: BillingEmulation.itemSearchPlaceholders)
            }
            try await state.settleAllPayers()
            return try await state.listRecords(conditions, arguments, request, order: "created_at DESC, rowid DESC", wrappedByDefault: true)
        }
        table[.cancelCommerceSubscriptionItem] = { state, request in
            let endNow = try request.queryBool("end_now") ?? false
            let id = request.path("subscription_item_id")
            let instanceID = state.keys.signer.kid
            let (doc, notices) = try await state.store.writer.write { db -> (JSONValue, [String]) in
                let settled = try BillingEmulation.settledOwner(ofItem: id, instanceID: instanceID, db)
                let owner = settled.0
                var notices = settled.1
                guard var record = try EmulatorStore.fetch(id, kind: BillingEmulation.itemKind, db) else {
                    throw EmulatorError.notFound("Subscription item")
                }
                var doc = record.doc.objectMembers ?? [:]
                let status = doc["status"]?.stringMember ?? ""
                guard ["active", "upcoming", "past_due"].contains(status) else {
                    throw EmulatorError(
                        status: 422, code: "subscription_item_not_active", message: "is not active",
                        longMessage: "The subscription item has \(status == "abandoned" ? "been abandoned" : "ended"); only an active or upcoming item can be canceled."
                    )
                }
                if try BillingEmulation.isDefaultFreeItem(doc, db) {
                    throw EmulatorError(
                        status: 422, code: "subscription_item_default_plan", message: "cannot cancel the default plan",
                        longMessage: "The item is on the default free plan, which every payer keeps; cancel a paid item instead."
                    )
                }
                let now = nowMillis()
                if status == "upcoming" {
                    // A change that has not begun yet is dropped.
                    doc["status"] = "abandoned"
                    doc["canceled_at"] = .int(now)
                    doc["ended_at"] = .int(now)
                    doc["next_payment"] = .null
                    try BillingEmulation.save(&record, doc, now: now, db)
                } else if endNow || doc["period_end"]?.intMember == nil {
                    doc["status"] = "ended"
                    doc["ended_at"] = .int(now)
                    if doc["canceled_at"]?.intMember == nil { doc["canceled_at"] = .int(now) }
                    doc["next_payment"] = .null
                    try BillingEmulation.save(&record, doc, now: now, db)
                    // Whatever was to follow is replaced by the free plan, from now on.
                    try BillingEmulation.replaceUpcoming(owner.id, activateDefaultFreeAt: now, db)
                    notices.append("Subscription item \(id) ended at once: a real instance would stop billing \(owner.id) for it")
                } else if doc["canceled_at"]?.intMember == nil {
                    doc["canceled_at"] = .int(now)
                    doc["next_payment"] = .null
                    try BillingEmulation.save(&record, doc, now: now, db)
                    // A pending change is dropped: the free plan follows at the end of the period.
                    try BillingEmulation.replaceUpcoming(owner.id, activateDefaultFreeAt: nil, db)
                }
                notices += try BillingEmulation.settle(owner, instanceID: instanceID, now: now, db)
                guard let updated = try EmulatorStore.fetch(id, kind: BillingEmulation.itemKind, db) else {
                    throw EmulatorError.notFound("Subscription item")
                }
                return (updated.doc, notices)
            }
            BillingEmulation.log(notices, state)
            return try .json(doc)
        }
        table[.extendBillingSubscriptionItemFreeTrial] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let id = request.path("subscription_item_id")
            let text = try body.requiredString("extend_to")
            guard let target = EmulatorState.parseTimestamp(text) else {
                throw EmulatorError.invalid("extend_to", "must be an RFC 3339 timestamp such as 2026-01-08T00:00:00Z")
            }
            let instanceID = state.keys.signer.kid
            let (doc, notices) = try await state.store.writer.write { db -> (JSONValue, [String]) in
                let (_, notices) = try BillingEmulation.settledOwner(ofItem: id, instanceID: instanceID, db)
                guard var record = try EmulatorStore.fetch(id, kind: BillingEmulation.itemKind, db) else {
                    throw EmulatorError.notFound("Subscription item")
                }
                var doc = record.doc.objectMembers ?? [:]
                guard doc["is_free_trial"]?.boolMember == true, doc["status"]?.stringMember == "active" else {
                    throw EmulatorError(
                        status: 422, code: "subscription_item_not_in_free_trial", message: "is not in a free trial",
                        longMessage: "Only a subscription item in a free trial can have its trial extended; this one is not in a free trial.",
                        meta: ["param_name": "subscription_item_id"]
                    )
                }
                let now = nowMillis()
                let trialEnd = doc["period_end"]?.intMember ?? now
                guard target > now else { throw EmulatorError.invalid("extend_to", "must be in the future") }
                guard target <= trialEnd + 365 * 86_400_000 else {
                    throw EmulatorError.invalid("extend_to", "must be at most 365 days after the end of the current trial")
                }
                // Idempotent: the same timestamp again changes nothing.
                if target != doc["period_end"]?.intMember {
                    doc["period_end"] = .int(target)
                    if case .object(var payment)? = doc["next_payment"] {
                        payment["date"] = .int(target)
                        doc["next_payment"] = .object(payment)
                    }
                    try BillingEmulation.save(&record, doc, now: now, db)
                }
                return (try BillingEmulation.itemWithPaymentSource(record.doc, db), notices)
            }
            BillingEmulation.log(notices, state)
            return try .json(doc)
        }
        table[.createBillingPriceTransition] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let id = request.path("subscription_item_id")
            let fromPriceID = try body.requiredString("from_price_id")
            let toPriceID = try body.requiredString("to_price_id")
            let instanceID = state.keys.signer.kid
            let (doc, notices) = try await state.store.writer.write { db -> (JSONValue, [String]) in
                try BillingEmulation.transition(
                    itemID: id, from: fromPriceID, to: toPriceID, instanceID: instanceID, db
                )
            }
            BillingEmulation.log(notices, state)
            return try .json(doc)
        }
        table[.applyBillingSubscriptionItemDiscount] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let discountID = try body.requiredString("discount_id")
            _ = try await state.record(request.path("subscription_item_id"), kind: BillingEmulation.itemKind, name: "Subscription item")
            // The Backend API has no operation that creates a discount, so none exists to apply.
            throw EmulatorError(
                status: 404, code: "resource_not_found", message: "not found",
                longMessage: "Discount \(discountID.prefix(100)) not found", meta: ["param_name": "discount_id"]
            )
        }
        table[.removeBillingSubscriptionItemDiscount] = { state, request in
            _ = try await state.record(request.path("subscription_item_id"), kind: BillingEmulation.itemKind, name: "Subscription item")
            // No discount is ever applied (see above), so the item has no active discount to remove.
            throw EmulatorError.notFound("Discount")
        }

        // MARK: Statements

        table[.getBillingStatementList] = { state, request in
            let (limit, offset) = try Self.paging(request)
            _ = try request.queryBool("paginated")
            try await state.settleAllPayers()
            let now = nowMillis()
            let (statements, total) = try await state.store.writer.read { db in
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE kind = ?", arguments: [BillingEmulation.statementKind]) ?? 0
                let records = try Row.fetchAll(
                    db, sql: "SELECT * FROM resources WHERE kind = ? ORDER BY CAST(sort_key AS INTEGER) DESC, created_at DESC, rowid DESC LIMIT ? OFFSET ?",
                    arguments: [BillingEmulation.statementKind, limit, offset]
                ).map(EmulatorStore.record)
                return (try records.map { try BillingEmulation.statementResponse($0, now: now, db) }, total)
            }
            return try .json(["data": .array(statements), "total_count": .int(Int64(total))])
        }
        table[.getBillingStatement] = { state, request in
            let id = request.path("statementID")
            try await state.settleAllPayers()
            let now = nowMillis()
            return try .json(try await state.store.writer.read { db in
                guard let record = try EmulatorStore.fetch(id, kind: BillingEmulation.statementKind, db) else { throw EmulatorError.notFound("Statement") }
                return try BillingEmulation.statementResponse(record, now: now, db)
            })
        }
        table[.getBillingStatementPaymentAttempts] = { state, request in
            let (limit, offset) = try Self.paging(request)
            _ = try request.queryBool("paginated")
            let id = request.path("statementID")
            try await state.settleAllPayers()
            let (attempts, total) = try await state.store.writer.read { db in
                guard try EmulatorStore.fetch(id, kind: BillingEmulation.statementKind, db) != nil else { throw EmulatorError.notFound("Statement") }
                let all = try BillingEmulation.attempts(of: id, db)
                return (try all.dropFirst(offset).prefix(limit).map { try BillingEmulation.attemptResponse($0, db) }, all.count)
            }
            return try .json(["data": .array(Array(attempts)), "total_count": .int(Int64(total))])
        }

        // MARK: Credits

        table[.getUserBillingCreditBalance] = { state, request in
            let user = try await state.user(request.path("user_id"))
            return try await BillingEmulation.balanceAnswer(state, BillingEmulation.Owner(user))
        }
        table[.getOrganizationBillingCreditBalance] = { state, request in
            let organization = try await state.organization(request.path("organization_id"))
            return try await BillingEmulation.balanceAnswer(state, BillingEmulation.Owner(organization))
        }
        table[.adjustUserBillingCreditBalance] = { state, request in
            let adjustment = try BillingEmulation.Adjustment(BodyReader(object: try request.jsonObject()))
            let user = try await state.user(request.path("user_id"))
            return try await BillingEmulation.adjust(state, BillingEmulation.Owner(user), adjustment)
        }
        table[.adjustOrganizationBillingCreditBalance] = { state, request in
            let adjustment = try BillingEmulation.Adjustment(BodyReader(object: try request.jsonObject()))
            let organization = try await state.organization(request.path("organization_id"))
            return try await BillingEmulation.adjust(state, BillingEmulation.Owner(organization), adjustment)
        }
    }
}

extension EmulatorState {
    /// Brings every payer up to now (renewals due, upcoming items begun, their charges kept) before a read that lists
    /// across payers, so a charge that fell due shows without another call touching its payer.
    fileprivate func settleAllPayers() async throws {
        let instanceID = keys.signer.kid
        let notices = try await store.writer.write { db in try BillingEmulation.prepareAll(instanceID: instanceID, db) }
        BillingEmulation.log(notices, self)
    }
}

/// The billing handlers' helpers (kept out of `EmulatorState`'s namespace).
private enum BillingEmulation {
    static let planKind = "billing_plan"
    static let priceKind = "billing_price"
    static let payerKind = "billing_payer"
    static let subscriptionKind = "billing_subscription"
    static let itemKind = "billing_subscription_item"
    static let ledgerKind = "billing_credit_ledger"
    /// A payer's statement of a month (`sort_key`: the month's first millisecond, UTC), and its payment attempts.
    static let statementKind = "billing_statement"
    static let paymentAttemptKind = "billing_payment_attempt"
    /// Identifiers: a default plan's slug → the plan; `owner:key` → the ledger entry an idempotency key made.
    static let planSlugKind = "billing_plan_slug"
    static let idempotencyKind = "billing_credit_idempotency"

    /// A user or an organization, as a payer.
    struct Owner: Sendable {
        let id: String
        /// `user` or `org`, as plans' `for_payer_type`.
        let payerType: String
        let createdAt: Int64

        init(_ record: EmulatorStore.Record) {
            id = record.id
            payerType = record.kind == "organization" ? "org" : "user"
            createdAt = record.createdAt
        }

        static func fetch(_ id: String, _ db: Database) throws -> Owner? {
            if let user = try EmulatorStore.fetch(id, kind: "user", db) { return Owner(user) }
            return try EmulatorStore.fetch(id, kind: "organization", db).map(Owner.init)
        }
    }

    // MARK: Money

    /// A `CommerceMoneyResponse` in US dollars.
    static func money(_ cents: Int64) -> JSONValue {
        ["amount": .int(cents), "amount_formatted": .string(formatted(cents)), "currency": "USD", "currency_symbol": "$"]
    }

    /// `12.34`, `-0.05`: cents as a decimal amount.
    static func formatted(_ cents: Int64) -> String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + "\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    static func currency(_ text: String?) throws -> String {
        guard let text else { return "USD" }
        guard text.uppercased() == "USD" else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "currency must be USD, the only currency Clerk Billing supports", meta: ["param_name": "currency"]
            )
        }
        return "USD"
    }

    /// 0 (complimentary) or at least 100 cents.
    static func priceAmount(_ value: Int64?, name: String) throws -> Int64? {
        guard let value else { return nil }
        guard value == 0 || (100...10_000_000_000).contains(value) else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "\(name) must be 0 for a complimentary price, or at least 100 cents ($1)", meta: ["param_name": .string(name)]
            )
        }
        return value
    }

    /// The billing periods a new price supports: as given (each needs its amount), or inferred from the amounts.
    static func supportedPeriods(_ given: String?, amount: Int64?, annualMonthlyAmount: Int64?) throws -> String {
        guard let given else {
            switch (amount, annualMonthlyAmount) {
            case (.some, .some): return "both"
            case (.some, nil): return "month"
            case (nil, .some): return "annual"
            case (nil, nil): throw EmulatorError.missing("amount")
            }
        }
        let needsMonthly = given == "month" || given == "both"
        let needsAnnual = given == "annual" || given == "both"
        guard ["month", "annual", "both"].contains(given) else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "supported_billing_periods must be one of month, annual, both", meta: ["param_name": "supported_billing_periods"]
            )
        }
        if needsMonthly && amount == nil { throw EmulatorError.missing("amount") }
        if needsAnnual && annualMonthlyAmount == nil { throw EmulatorError.missing("annual_monthly_amount") }
        return given
    }

    static func checkPayerType(_ text: String) throws {
        guard text == "user" || text == "org" else { throw EmulatorError.invalidQuery("payer_type", "must be user or org") }
    }

    // MARK: Plans and prices

    /// Seeds the default free plans and their default prices, once.
    static func ensurePlans(instanceID: String, _ db: Database) throws {
        for payerType in ["user", "org"] {
            let slug = "free_" + payerType
            if try EmulatorStore.owner(of: slug, kind: planSlugKind, db) != nil { continue }
            let now = nowMillis()
            let planID = EmulatorIDs.make("cplan")
            let plan: JSONValue = [
                "object": "commerce_plan", "id": .string(planID), "name": "Free",
                "fee": money(0), "annual_monthly_fee": money(0), "annual_fee": money(0), "description": .null,
                "product_id": .string(EmulatorIDs.make("cprod")), "is_default": true, "is_recurring": true,
                "publicly_visible": true, "has_base_fee": false, "for_payer_type": .string(payerType), "slug": .string(slug),
                "avatar_url": .null, "features": [], "free_trial_enabled": false, "free_trial_days": .null,
            ]
            try EmulatorStore.insert(
                EmulatorStore.Record(id: planID, kind: planKind, parentID: nil, createdAt: now, updatedAt: now, sortKey: slug, doc: plan, secret: nil),
                db
            )
            try EmulatorStore.claim(slug, kind: planSlugKind, owner: planID, db)
            let priceID = EmulatorIDs.make("cprice")
            let price: JSONValue = [
                "object": "commerce_price", "id": .string(priceID), "plan_id": .string(planID), "instance_id": .string(instanceID),
                "currency": "USD", "currency_symbol": "$", "amount": 0, "annual_monthly_amount": 0,
                "fee": money(0), "annual_monthly_fee": money(0), "description": .null, "is_default": true,
                "created_at": .int(now), "supported_billing_periods": "month",
            ]
            try EmulatorStore.insert(
                EmulatorStore.Record(id: priceID, kind: priceKind, parentID: planID, createdAt: now, updatedAt: now, sortKey: nil, doc: price, secret: nil),
                db
            )
        }
    }

    static func defaultPlan(_ payerType: String, instanceID: String, _ db: Database) throws -> EmulatorStore.Record {
        try ensurePlans(instanceID: instanceID, db)
        guard let id = try EmulatorStore.owner(of: "free_" + payerType, kind: planSlugKind, db),
            let plan = try EmulatorStore.fetch(id, kind: planKind, db)
        else {
            throw EmulatorError(status: 500, code: "internal_clerk_error", message: "The default plan is missing")
        }
        return plan
    }

    static func defaultPrice(planID: String, _ db: Database) throws -> EmulatorStore.Record {
        guard
            let price = try Row.fetchOne(
                db, sql: "SELECT * FROM resources WHERE kind = ? AND parent_id = ? AND json_extract(doc, '$.is_default') = 1 ORDER BY created_at, rowid",
                arguments: [priceKind, planID]
            ).map(EmulatorStore.record)
        else {
            throw EmulatorError(status: 500, code: "internal_clerk_error", message: "The plan's default price is missing")
        }
        return price
    }

    static func priceDoc(_ id: String?, _ db: Database) throws -> [String: JSONValue] {
        guard let id, let price = try EmulatorStore.fetch(id, kind: priceKind, db) else { throw EmulatorError.notFound("Price") }
        return price.doc.objectMembers ?? [:]
    }

    /// What one period of a price costs: the monthly amount, or twelve annual-monthly amounts.
    static func perPeriod(_ price: [String: JSONValue], _ period: String) -> Int64 {
        period == "annual" ? (price["annual_monthly_amount"]?.intMember ?? 0) * 12 : (price["amount"]?.intMember ?? 0)
    }

    /// The monthly equivalent, for comparing prices.
    static func monthly(_ price: [String: JSONValue], _ period: String) -> Int64 {
        period == "annual" ? (price["annual_monthly_amount"]?.intMember ?? 0) : (price["amount"]?.intMember ?? 0)
    }

    static func supports(_ price: [String: JSONValue], _ period: String) -> Bool {
        let periods = price["supported_billing_periods"]?.stringMember ?? "month"
        return periods == "both" || periods == period
    }

    static func addPeriod(_ millis: Int64, _ period: String) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        let next = calendar.date(byAdding: period == "annual" ? .year : .month, value: 1, to: date)
            ?? date.addingTimeInterval(period == "annual" ? 365 * 86_400 : 30 * 86_400)
        return Int64((next.timeIntervalSince1970 * 1000).rounded())
    }

    // MARK: Statements and payment attempts

    /// What a real instance shows after charging a payer: a paid payment attempt on the payer's card, in the payer's
    /// statement of the month (made when missing). Returns the statement's id. No card is charged: the payer has an
    /// emulated card (`4242`), made at its first charge.
    static func recordCharge(
        _ owner: Owner, itemID: String, amount: Int64, chargeType: String, now: Int64, instanceID: String, _ db: Database
    ) throws -> String {
        var payer = try ensurePayer(owner, instanceID: instanceID, db)
        var payerDoc = payer.doc.objectMembers ?? [:]
        let methodID: String
        if let existing = payerDoc["payment_method_id"]?.stringMember {
            methodID = existing
        } else {
            methodID = EmulatorIDs.make("cpm")
            payerDoc["payment_method_id"] = .string(methodID)
            payerDoc["payment_method_created_at"] = .int(now)
            try save(&payer, payerDoc, now: now, db)
        }
        let month = monthStart(now)
        var statement: EmulatorStore.Record
        if let found = try Row.fetchOne(
            db, sql: "SELECT * FROM resources WHERE kind = ? AND parent_id = ? AND sort_key = ?", arguments: [statementKind, owner.id, String(month)]
        ).map(EmulatorStore.record) {
            statement = found
        } else {
            let id = EmulatorIDs.make("cstmt")
            statement = EmulatorStore.Record(
                id: id, kind: statementKind, parentID: owner.id, createdAt: now, updatedAt: now, sortKey: String(month),
                doc: [
                    "object": "commerce_statement", "id": .string(id), "instance_id": .string(instanceID), "timestamp": .int(month),
                    "payer_id": .string(payer.id), "created_at": .int(now), "updated_at": .int(now),
                ],
                secret: nil
            )
            try EmulatorStore.insert(statement, db)
        }
        let attemptID = EmulatorIDs.make("cpayatt")
        let attempt: JSONValue = [
            "object": "commerce_payment", "id": .string(attemptID), "payment_id": .string(EmulatorIDs.make("cpay")),
            "instance_id": .string(instanceID), "charge_type": .string(chargeType), "payee_id": .string(payeeID),
            "payer_id": .string(payer.id), "subscription_item_id": .string(itemID), "amount": money(amount),
            "payment_method_id": .string(methodID), "statement_id": .string(statement.id), "gateway_external_id": .null,
            "gateway_external_url": .null, "status": "paid", "paid_at": .int(now), "failed_at": .null,
            "created_at": .int(now), "updated_at": .int(now),
        ]
        try EmulatorStore.insert(
            EmulatorStore.Record(
                id: attemptID, kind: paymentAttemptKind, parentID: statement.id, createdAt: now, updatedAt: now, sortKey: nil,
                doc: attempt, secret: nil
            ),
            db
        )
        try save(&statement, statement.doc.objectMembers ?? [:], now: now, db)
        return statement.id
    }

    /// The effect line of a charge.
    static func chargeNotice(_ owner: Owner, _ amount: Int64, _ statementID: String) -> String {
        "a real instance would charge \(owner.id) $\(formatted(amount)); kept as a paid payment attempt on statement \(statementID) (no card is charged)"
    }

    /// The payee every emulated payment goes to (the instance's own billing account on a real instance).
    static let payeeID = "cpayee_emulator"

    /// The first millisecond of the UTC month that holds `millis`.
    static func monthStart(_ millis: Int64) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        let start = calendar.dateInterval(of: .month, for: date)?.start ?? date
        return Int64((start.timeIntervalSince1970 * 1000).rounded())
    }

    /// A statement's payment attempts, newest first.
    static func attempts(of statementID: String, _ db: Database) throws -> [EmulatorStore.Record] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = ? AND parent_id = ? ORDER BY created_at DESC, rowid DESC",
            arguments: [paymentAttemptKind, statementID]
        ).map(EmulatorStore.record)
    }

    /// A statement as the API answers it: its payer, its payment attempts grouped by day (newest first), its totals,
    /// and `open` while its month lasts.
    static func statementResponse(_ record: EmulatorStore.Record, now: Int64, _ db: Database) throws -> JSONValue {
        var doc = record.doc.objectMembers ?? [:]
        let attempts = try attempts(of: record.id, db)
        let total = attempts.reduce(Int64(0)) { $0 + ($1.doc["amount"]?["amount"]?.intMember ?? 0) }
        var groups: [(day: Int64, items: [JSONValue])] = []
        for attempt in attempts {
            let day = attempt.createdAt - attempt.createdAt % 86_400_000
            let item = try attemptResponse(attempt, db)
            if let last = groups.indices.last, groups[last].day == day { groups[last].items.append(item) } else { groups.append((day, [item])) }
        }
        doc["payer"] = try payerResponse(doc["payer_id"]?.stringMember ?? "", db)
        doc["status"] = monthStart(now) > (doc["timestamp"]?.intMember ?? 0) ? "closed" : "open"
        doc["totals"] = totals(total)
        doc["groups"] = .array(groups.map { ["object": "commerce_statement_group", "timestamp": .int($0.day), "items": .array($0.items)] })
        doc["payer_id"] = nil
        doc["created_at"] = nil
        doc["updated_at"] = nil
        return .object(doc)
    }

    static func totals(_ amount: Int64) -> JSONValue {
        ["grand_total": money(amount), "subtotal": money(amount), "base_fee": money(amount), "tax_total": money(0)]
    }

    /// A payment attempt as the API answers it, with its payer, payee, card and subscription item.
    static func attemptResponse(_ record: EmulatorStore.Record, _ db: Database) throws -> JSONValue {
        var doc = record.doc.objectMembers ?? [:]
        let payerID = doc["payer_id"]?.stringMember ?? ""
        doc["payer"] = try payerResponse(payerID, db)
        doc["payee"] = ["object": "commerce_payee", "id": .string(payeeID), "gateway_type": "emulator", "gateway_external_id": .null]
        doc["totals"] = totals(doc["amount"]?["amount"]?.intMember ?? 0)
        let payer = try EmulatorStore.fetch(payerID, kind: payerKind, db)
        doc["payment_method"] = [
            "object": "commerce_payment_method", "id": doc["payment_method_id"] ?? .null, "payer_id": .string(payerID),
            "payment_type": "card", "is_default": true, "gateway": "emulator", "gateway_external_id": "pm_emulator_4242",
            "gateway_external_account_id": .null, "last4": "4242", "status": "active", "wallet_type": .null, "card_type": "visa",
            "expiry_year": 2099, "expiry_month": 12, "is_removable": true,
            "created_at": payer?.doc["payment_method_created_at"] ?? doc["created_at"] ?? .null,
            "updated_at": payer?.doc["payment_method_created_at"] ?? doc["created_at"] ?? .null,
        ]
        if let itemID = doc["subscription_item_id"]?.stringMember, let item = try EmulatorStore.fetch(itemID, kind: itemKind, db) {
            doc["subscription_item"] = item.doc
        }
        return .object(doc)
    }

    /// A payer as statements and payment attempts name it.
    static func payerResponse(_ payerID: String, _ db: Database) throws -> JSONValue {
        guard let payer = try EmulatorStore.fetch(payerID, kind: payerKind, db) else {
            return ["object": "commerce_payer", "id": .string(payerID), "instance_id": ""]
        }
        var doc: [String: JSONValue] = [
            "object": "commerce_payer", "id": .string(payer.id), "instance_id": payer.doc["instance_id"] ?? "",
            "created_at": .int(payer.createdAt), "updated_at": .int(payer.updatedAt),
            "credits_balance": money(payer.doc["credit_balance"]?.intMember ?? 0),
        ]
        if let userID = payer.doc["user_id"]?.stringMember, let user = try EmulatorStore.fetch(userID, kind: "user", db) {
            doc["user_id"] = .string(userID)
            doc["first_name"] = user.doc["first_name"] ?? .null
            doc["last_name"] = user.doc["last_name"] ?? .null
            doc["email"] = user.doc["email_addresses"]?.arrayMember?.first?["email_address"] ?? .null
            doc["image_url"] = user.doc["image_url"] ?? ""
        } else if let organizationID = payer.doc["organization_id"]?.stringMember,
            let organization = try EmulatorStore.fetch(organizationID, kind: "organization", db)
        {
            doc["organization_id"] = .string(organizationID)
            doc["organization_name"] = organization.doc["name"] ?? .null
            doc["image_url"] = organization.doc["image_url"] ?? ""
        }
        return .object(doc)
    }

    // MARK: Payers, subscriptions, items

    static func ensurePayer(_ owner: Owner, instanceID: String, _ db: Database) throws -> EmulatorStore.Record {
        if let found = try Row.fetchOne(
            db, sql: "SELECT * FROM resources WHERE kind = ? AND parent_id = ? ORDER BY created_at, rowid", arguments: [payerKind, owner.id]
        ).map(EmulatorStore.record) {
            return found
        }
        let id = EmulatorIDs.make("cpayer")
        // Never answered as such: the payer's id, and its credit balance (`has_credits` false until first adjusted).
        var doc: [String: JSONValue] = [
            "object": "commerce_payer", "id": .string(id), "instance_id": .string(instanceID),
            "created_at": .int(owner.createdAt), "updated_at": .int(owner.createdAt), "credit_balance": 0, "has_credits": false,
        ]
        doc[owner.payerType == "org" ? "organization_id" : "user_id"] = .string(owner.id)
        let record = EmulatorStore.Record(
            id: id, kind: payerKind, parentID: owner.id, createdAt: owner.createdAt, updatedAt: owner.createdAt, sortKey: nil,
            doc: .object(doc), secret: nil
        )
        try EmulatorStore.insert(record, db)
        return record
    }

    /// The payer's subscription, created with its free-plan item (dated from the payer's creation) when missing.
    static func ensureSubscription(_ owner: Owner, instanceID: String, _ db: Database) throws -> EmulatorStore.Record {
        let payer = try ensurePayer(owner, instanceID: instanceID, db)
        if let found = try Row.fetchOne(
            db, sql: "SELECT * FROM resources WHERE kind = ? AND parent_id = ? ORDER BY created_at, rowid", arguments: [subscriptionKind, owner.id]
        ).map(EmulatorStore.record) {
            return found
        }
        let id = EmulatorIDs.make("csub")
        let doc: JSONValue = [
            "object": "commerce_subscription", "id": .string(id), "instance_id": .string(instanceID), "status": "active",
            "payer_id": .string(payer.id), "created_at": .int(owner.createdAt), "updated_at": .int(owner.createdAt),
            "active_at": .int(owner.createdAt), "past_due_at": .null, "eligible_for_free_trial": true,
        ]
        let record = EmulatorStore.Record(
            id: id, kind: subscriptionKind, parentID: owner.id, createdAt: owner.createdAt, updatedAt: owner.createdAt, sortKey: nil,
            doc: doc, secret: nil
        )
        try EmulatorStore.insert(record, db)
        try insertDefaultFreeItem(owner, payerID: payer.id, status: "active", start: owner.createdAt, createdAt: owner.createdAt, instanceID: instanceID, db)
        return record
    }

    @discardableResult
    static func insertDefaultFreeItem(
        _ owner: Owner, payerID: String, status: String, start: Int64, createdAt: Int64, instanceID: String, _ db: Database
    ) throws -> EmulatorStore.Record {
        let plan = try defaultPlan(owner.payerType, instanceID: instanceID, db)
        let price = try defaultPrice(planID: plan.id, db)
        return try insertItem(
            owner, payerID: payerID, plan: plan.doc, price: price.doc.objectMembers ?? [:], period: "month", status: status,
            start: start, createdAt: createdAt, paid: 0, instanceID: instanceID, db
        )
    }

    /// A new subscription item: paid items run for a period from `start`; free ones have no end.
    @discardableResult
    static func insertItem(
        _ owner: Owner, payerID: String, plan: JSONValue, price: [String: JSONValue], period: String, status: String,
        start: Int64, createdAt: Int64, paid: Int64, instanceID: String, _ db: Database
    ) throws -> EmulatorStore.Record {
        let id = EmulatorIDs.make("csubi")
        let amount = perPeriod(price, period)
        let end: JSONValue = amount > 0 ? .int(addPeriod(start, period)) : .null
        // An upcoming paid item is first billed when it begins; an active one at the end of its period.
        let nextPayment: JSONValue = amount > 0 ? ["amount": money(amount), "date": status == "upcoming" ? .int(start) : end] : .null
        let doc: JSONValue = [
            "object": "commerce_subscription_item", "id": .string(id), "instance_id": .string(instanceID), "status": .string(status),
            "plan_id": plan["id"] ?? .null, "price_id": price["id"] ?? .null, "plan": plan, "plan_period": .string(period),
            "payer_id": .string(payerID), "is_free_trial": false, "period_start": .int(start), "period_end": end,
            "canceled_at": .null, "past_due_at": .null, "ended_at": .null, "created_at": .int(createdAt), "updated_at": .int(createdAt),
            "next_payment": nextPayment, "lifetime_paid": money(paid),
        ]
        let record = EmulatorStore.Record(
            id: id, kind: itemKind, parentID: owner.id, createdAt: createdAt, updatedAt: createdAt, sortKey: nil, doc: doc, secret: nil
        )
        try EmulatorStore.insert(record, db)
        return record
    }

    static func items(_ ownerID: String, _ db: Database) throws -> [EmulatorStore.Record] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = ? AND parent_id = ? ORDER BY created_at, rowid", arguments: [itemKind, ownerID]
        ).map(EmulatorStore.record)
    }

    static func save(_ record: inout EmulatorStore.Record, _ doc: [String: JSONValue], now: Int64, _ db: Database) throws {
        var doc = doc
        doc["updated_at"] = .int(now)
        record.updatedAt = now
        record.doc = .object(doc)
        try EmulatorStore.update(record, db)
    }

    /// Whether an item is on the default free plan's default price (which a payer always falls back to).
    static func isDefaultFreeItem(_ doc: [String: JSONValue], _ db: Database) throws -> Bool {
        guard doc["plan"]?["is_default"]?.boolMember == true, let priceID = doc["price_id"]?.stringMember,
            let price = try EmulatorStore.fetch(priceID, kind: priceKind, db)
        else { return false }
        return price.doc["is_default"]?.boolMember == true
    }

    /// Drops the payer's upcoming items; with `activateDefaultFreeAt`, an upcoming default free item starts then
    /// instead of being dropped.
    static func replaceUpcoming(_ ownerID: String, activateDefaultFreeAt start: Int64?, _ db: Database) throws {
        let now = nowMillis()
        for var record in try items(ownerID, db) where record.doc["status"]?.stringMember == "upcoming" {
            var doc = record.doc.objectMembers ?? [:]
            if let start, try isDefaultFreeItem(doc, db) {
                doc["status"] = "active"
                doc["period_start"] = .int(start)
            } else {
                doc["status"] = "abandoned"
                doc["canceled_at"] = .int(now)
                doc["ended_at"] = .int(now)
                doc["next_payment"] = .null
            }
            try save(&record, doc, now: now, db)
        }
    }

    /// Brings a payer's items up to `now`: canceled items whose period is over end, paid periods renew (the charge a
    /// real instance would make is returned as a notice), upcoming items that are due begin. Then the payer keeps
    /// what Clerk guarantees: an active item, and the free plan to follow a canceled paid one.
    static func settle(_ owner: Owner, instanceID: String, now: Int64, _ db: Database) throws -> [String] {
        var notices: [String] = []
        var records = try items(owner.id, db)
        for index in records.indices {
            var doc = records[index].doc.objectMembers ?? [:]
            guard doc["status"]?.stringMember == "active", let end = doc["period_end"]?.intMember, end <= now else { continue }
            if doc["canceled_at"]?.intMember != nil {
                doc["status"] = "ended"
                doc["ended_at"] = .int(end)
                doc["next_payment"] = .null
            } else {
                let charged = try renew(&doc, now: now, db)
                if charged > 0 {
                    let statement = try recordCharge(owner, itemID: records[index].id, amount: charged, chargeType: "recurring", now: now, instanceID: instanceID, db)
                    notices.append("Subscription item \(records[index].id) renewed: \(chargeNotice(owner, charged, statement))")
                }
            }
            try save(&records[index], doc, now: now, db)
        }
        for index in records.indices {
            var doc = records[index].doc.objectMembers ?? [:]
            guard doc["status"]?.stringMember == "upcoming", let start = doc["period_start"]?.intMember, start <= now else { continue }
            doc["status"] = "active"
            let price = try priceDoc(doc["price_id"]?.stringMember, db)
            let period = doc["plan_period"]?.stringMember ?? "month"
            var charged = perPeriod(price, period)
            if charged > 0 {
                doc["lifetime_paid"] = money((doc["lifetime_paid"]?["amount"]?.intMember ?? 0) + charged)
                doc["next_payment"] = ["amount": money(charged), "date": doc["period_end"] ?? .null]
                charged += try renew(&doc, now: now, db)
                let statement = try recordCharge(owner, itemID: records[index].id, amount: charged, chargeType: "recurring", now: now, instanceID: instanceID, db)
                notices.append("Subscription item \(records[index].id) began: \(chargeNotice(owner, charged, statement))")
            }
            try save(&records[index], doc, now: now, db)
        }
        let statuses = records.map { $0.doc["status"]?.stringMember ?? "" }
        let payerID = try ensurePayer(owner, instanceID: instanceID, db).id
        if !statuses.contains("active") && !statuses.contains("upcoming") && !statuses.contains("past_due") {
            try insertDefaultFreeItem(owner, payerID: payerID, status: "active", start: now, createdAt: now, instanceID: instanceID, db)
        } else if !statuses.contains("upcoming"),
            let canceled = records.first(where: {
                $0.doc["status"]?.stringMember == "active" && $0.doc["canceled_at"]?.intMember != nil && $0.doc["period_end"]?.intMember != nil
            }),
            let end = canceled.doc["period_end"]?.intMember
        {
            try insertDefaultFreeItem(owner, payerID: payerID, status: "upcoming", start: end, createdAt: now, instanceID: instanceID, db)
        }
        return notices
    }

    /// Moves a paid item's period forward until it includes `now`; returns what those renewals cost.
    static func renew(_ doc: inout [String: JSONValue], now: Int64, _ db: Database) throws -> Int64 {
        guard var end = doc["period_end"]?.intMember, end <= now else { return 0 }
        let price = try priceDoc(doc["price_id"]?.stringMember, db)
        let period = doc["plan_period"]?.stringMember ?? "month"
        let amount = perPeriod(price, period)
        var start = doc["period_start"]?.intMember ?? end
        var charged: Int64 = 0
        var rounds = 0
        while end <= now && rounds < 10_000 {
            start = end
            end = addPeriod(end, period)
            charged += amount
            rounds += 1
        }
        doc["period_start"] = .int(start)
        doc["period_end"] = .int(end)
        doc["next_payment"] = ["amount": money(amount), "date": .int(end)]
        doc["lifetime_paid"] = money((doc["lifetime_paid"]?["amount"]?.intMember ?? 0) + charged)
        return charged
    }

    /// The owner of an item, settled; 404 for an unknown item (or one whose user or organization is gone).
    static func settledOwner(ofItem id: String, instanceID: String, _ db: Database) throws -> (Owner, [String]) {
        guard let record = try EmulatorStore.fetch(id, kind: itemKind, db), let ownerID = record.parentID,
            let owner = try Owner.fetch(ownerID, db)
        else {
            throw EmulatorError.notFound("Subscription item")
        }
        return (owner, try settle(owner, instanceID: instanceID, now: nowMillis(), db))
    }

    /// Creates missing subscriptions (every user and organization has one) and settles payers with items due.
    static func prepareAll(instanceID: String, _ db: Database) throws -> [String] {
        let missing = try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM resources r WHERE r.kind IN ('user', 'organization')
                AND NOT EXISTS (SELECT 1 FROM resources s WHERE s.kind = ? AND s.parent_id = r.id)
                """,
            arguments: [subscriptionKind]
        ).map(EmulatorStore.record)
        for record in missing {
            _ = try ensureSubscription(Owner(record), instanceID: instanceID, db)
        }
        let now = nowMillis()
        let due = try String.fetchAll(
            db,
            sql: """
                SELECT DISTINCT parent_id FROM resources WHERE kind = ? AND parent_id IS NOT NULL AND (
                    (json_extract(doc, '$.status') = 'active' AND json_extract(doc, '$.period_end') <= ?)
                    OR (json_extract(doc, '$.status') = 'upcoming' AND json_extract(doc, '$.period_start') <= ?))
                """,
            arguments: [itemKind, now, now]
        )
        var notices: [String] = []
        for ownerID in due {
            guard let owner = try Owner.fetch(ownerID, db) else { continue }
            notices += try settle(owner, instanceID: instanceID, now: now, db)
        }
        return notices
    }

    /// `GetUserBillingSubscription` / `GetOrganizationBillingSubscription`.
    static func subscriptionAnswer(_ state: EmulatorState, _ owner: Owner) async throws -> EmulatorResponse {
        let instanceID = state.keys.signer.kid
        let (doc, notices) = try await state.store.writer.write { db -> (JSONValue, [String]) in
            let subscription = try ensureSubscription(owner, instanceID: instanceID, db)
            let notices = try settle(owner, instanceID: instanceID, now: nowMillis(), db)
            return (try subscriptionDocument(subscription, owner: owner, db), notices)
        }
        log(notices, state)
        return try .json(doc)
    }

    /// The subscription with its current items (active, upcoming, past due) and next payment.
    static func subscriptionDocument(_ subscription: EmulatorStore.Record, owner: Owner, _ db: Database) throws -> JSONValue {
        let all = try items(owner.id, db)
        let shown = all.filter { ["active", "upcoming", "past_due"].contains($0.doc["status"]?.stringMember ?? "") }
        var doc = subscription.doc.objectMembers ?? [:]
        doc["subscription_items"] = .array(shown.map(\.doc))
        let active = shown.contains { $0.doc["status"]?.stringMember == "active" }
        let pastDue = shown.first { $0.doc["status"]?.stringMember == "past_due" }
        doc["status"] = pastDue != nil ? "past_due" : (active ? "active" : "ended")
        doc["past_due_at"] = pastDue?.doc["past_due_at"] ?? .null
        doc["updated_at"] = .int(max(subscription.updatedAt, all.map(\.updatedAt).max() ?? 0))
        doc["next_payment"] = nil
        let renewing = shown.first {
            $0.doc["status"]?.stringMember == "active" && $0.doc["canceled_at"]?.intMember == nil && $0.doc["period_end"]?.intMember != nil
        }
        // After a move to a cheaper paid price, the next payment is when the upcoming item begins.
        let upcoming = shown.first { $0.doc["status"]?.stringMember == "upcoming" }
        let date = renewing?.doc["period_end"]?.intMember ?? upcoming?.doc["period_start"]?.intMember
        if let next = renewing ?? upcoming, let date {
            let amount = perPeriod(try priceDoc(next.doc["price_id"]?.stringMember, db), next.doc["plan_period"]?.stringMember ?? "month")
            if amount > 0 { doc["next_payment"] = ["date": .int(date), "amount": money(amount)] }
        }
        return .object(doc)
    }

    // MARK: Price transitions

    static func transition(itemID: String, from fromPriceID: String, to toPriceID: String, instanceID: String, _ db: Database) throws
        -> (JSONValue, [String])
    {
        let (owner, settledNotices) = try settledOwner(ofItem: itemID, instanceID: instanceID, db)
        var notices = settledNotices
        guard var record = try EmulatorStore.fetch(itemID, kind: itemKind, db) else { throw EmulatorError.notFound("Subscription item") }
        var doc = record.doc.objectMembers ?? [:]
        guard doc["status"]?.stringMember == "active", doc["canceled_at"]?.intMember == nil else {
            throw EmulatorError(
                status: 409, code: "subscription_item_not_active", message: "is not active",
                longMessage: "Only an active subscription item that is not canceled can change its price."
            )
        }
        guard doc["price_id"]?.stringMember == fromPriceID else {
            throw EmulatorError(
                status: 409, code: "price_transition_conflict", message: "is not the current price",
                longMessage: "from_price_id is not the subscription item's current price.", meta: ["param_name": "from_price_id"]
            )
        }
        guard fromPriceID != toPriceID else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "to_price_id is already the subscription item's price.", meta: ["param_name": "to_price_id"]
            )
        }
        guard let toPriceRecord = try EmulatorStore.fetch(toPriceID, kind: priceKind, db) else { throw EmulatorError.notFound("Price") }
        let toPrice = toPriceRecord.doc.objectMembers ?? [:]
        guard let toPlanID = toPriceRecord.parentID, let toPlan = try EmulatorStore.fetch(toPlanID, kind: planKind, db) else {
            throw EmulatorError.notFound("Plan")
        }
        guard toPlan.doc["for_payer_type"]?.stringMember == owner.payerType else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "to_price_id belongs to a plan for \(owner.payerType == "org" ? "users" : "organizations"), not for this payer.",
                meta: ["param_name": "to_price_id"]
            )
        }
        let fromPrice = try priceDoc(fromPriceID, db)
        let fromPeriod = doc["plan_period"]?.stringMember ?? "month"
        let toPeriod = supports(toPrice, fromPeriod) ? fromPeriod : (supports(toPrice, "annual") ? "annual" : "month")
        let oldAmount = perPeriod(fromPrice, fromPeriod)
        let newAmount = perPeriod(toPrice, toPeriod)
        let now = nowMillis()
        let oldStart = doc["period_start"]?.intMember ?? now
        let oldEnd = doc["period_end"]?.intMember
        let payerID = doc["payer_id"]?.stringMember ?? ""
        // A pending change (or the free plan queued after a cancellation) gives way to this one.
        try replaceUpcoming(owner.id, activateDefaultFreeAt: nil, db)

        let previousStatus: String
        let effectiveAt: Int64
        let newItem: EmulatorStore.Record
        var charge: Int64 = 0
        if let oldEnd, monthly(toPrice, toPeriod) <= monthly(fromPrice, fromPeriod) {
            // Cheaper: the current item runs to the end of its paid period, then the new price begins.
            doc["canceled_at"] = .int(now)
            doc["next_payment"] = .null
            try save(&record, doc, now: now, db)
            newItem = try insertItem(
                owner, payerID: payerID, plan: toPlan.doc, price: toPrice, period: toPeriod, status: "upcoming",
                start: oldEnd, createdAt: now, paid: 0, instanceID: instanceID, db
            )
            previousStatus = "canceled"
            effectiveAt = oldEnd
        } else {
            // Dearer, or from a free item: at once, less what is left of the current paid period.
            var unused: Int64 = 0
            if let oldEnd, oldEnd > oldStart, oldEnd > now {
                unused = Int64((Double(oldAmount) * Double(oldEnd - now) / Double(oldEnd - oldStart)).rounded())
            }
            charge = max(0, newAmount - unused)
            doc["status"] = "ended"
            doc["ended_at"] = .int(now)
            doc["next_payment"] = .null
            try save(&record, doc, now: now, db)
            newItem = try insertItem(
                owner, payerID: payerID, plan: toPlan.doc, price: toPrice, period: toPeriod, status: "active",
                start: now, createdAt: now, paid: charge, instanceID: instanceID, db
            )
            previousStatus = "ended"
            effectiveAt = now
            if charge > 0 {
                let statement = try recordCharge(owner, itemID: newItem.id, amount: charge, chargeType: "checkout", now: now, instanceID: instanceID, db)
                notices.append("Price transition of subscription item \(itemID) to \(toPriceID): \(chargeNotice(owner, charge, statement))")
            }
        }
        notices += try settle(owner, instanceID: instanceID, now: now, db)
        let current = try EmulatorStore.fetch(newItem.id, kind: itemKind, db) ?? newItem
        // The new price is first billed when it begins (at the end of the period), or at the end of its first period.
        let nextBilling: JSONValue = newAmount == 0 ? .null : (previousStatus == "canceled" ? .int(effectiveAt) : current.doc["period_end"] ?? .null)
        let transition: JSONValue = [
            "previous_plan": planWithAmounts(doc["plan"] ?? .null),
            "previous_price": .object(fromPrice),
            "effective_at": .int(effectiveAt),
            "effective_mode": previousStatus == "canceled" ? "end_of_period" : "immediate",
            "next_billing_date": nextBilling,
            "charged_immediately": .bool(charge > 0),
            "immediate_charge": charge > 0 ? money(charge) : .null,
            "previous_subscription_item_status": .string(previousStatus),
            "previous_subscription_item_id": .string(itemID),
        ]
        let answer: JSONValue = [
            "object": "commerce_price_transition",
            "subscription_item": try itemWithPaymentSource(current.doc, db),
            "transition": transition,
        ]
        return (answer, notices)
    }

    /// An item in the shape of `CommerceSubscriptionItem-2` (price transitions, free-trial extensions): the plan with
    /// its amounts, the amount of a period, and no payment source (the emulator keeps none).
    static func itemWithPaymentSource(_ item: JSONValue, _ db: Database) throws -> JSONValue {
        let allowed: Set<String> = [
            "object", "id", "instance_id", "status", "plan_id", "price_id", "plan", "plan_period", "payment_source_id",
            "lifetime_paid", "amount", "next_payment", "payer_id", "is_free_trial", "period_start", "period_end", "proration_date",
            "canceled_at", "past_due_at", "ended_at", "created_at", "updated_at",
        ]
        var doc = (item.objectMembers ?? [:]).filter { allowed.contains($0.key) }
        doc["plan"] = planWithAmounts(item["plan"] ?? .null)
        if doc["plan_id"] == nil || doc["plan_id"] == .null { doc["plan_id"] = item["plan"]?["id"] ?? "" }
        doc["payment_source_id"] = ""
        let price = try priceDoc(item["price_id"]?.stringMember, db)
        doc["amount"] = money(perPeriod(price, item["plan_period"]?.stringMember ?? "month"))
        let start = item["period_start"]?.intMember ?? nowMillis()
        doc["proration_date"] = .string(day(start))
        return .object(doc)
    }

    /// `2026-05-12`: the UTC day of a timestamp.
    static func day(_ millis: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(millis) / 1000))
        func two(_ value: Int?) -> String { let value = value ?? 1; return value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.year ?? 1970)-\(two(parts.month))-\(two(parts.day))"
    }

    /// A plan in the shape of `CommercePlan-2`: amounts beside the fees, strings where that schema allows no null.
    static func planWithAmounts(_ plan: JSONValue) -> JSONValue {
        guard var doc = plan.objectMembers else { return .null }
        doc["unit_prices"] = nil
        let fee = plan["fee"]?["amount"]?.intMember ?? 0
        let annualMonthly = plan["annual_monthly_fee"]?["amount"]?.intMember ?? 0
        let annual = plan["annual_fee"]?["amount"]?.intMember ?? 0
        doc["amount"] = .int(fee)
        doc["amount_formatted"] = .string(formatted(fee))
        doc["annual_monthly_amount"] = .int(annualMonthly)
        doc["annual_monthly_amount_formatted"] = .string(formatted(annualMonthly))
        doc["annual_amount"] = .int(annual)
        doc["annual_amount_formatted"] = .string(formatted(annual))
        doc["currency"] = "USD"
        doc["currency_symbol"] = "$"
        doc["description"] = .string(plan["description"]?.stringMember ?? "")
        doc["avatar_url"] = .string(plan["avatar_url"]?.stringMember ?? "")
        doc["payer_type"] = [plan["for_payer_type"] ?? "user"]
        doc["period"] = "month"
        doc["interval"] = 1
        doc["features"] = .array((plan["features"]?.arrayMember ?? []).map { feature in
            var fields = feature.objectMembers ?? [:]
            fields["description"] = .string(feature["description"]?.stringMember ?? "")
            fields["avatar_url"] = .string(feature["avatar_url"]?.stringMember ?? "")
            return .object(fields)
        })
        return .object(doc)
    }

    // MARK: Item search

    /// `query` of `GetCommerceSubscriptionItemList`: the item's id or plan, or its payer's id, name, username, slug or
    /// email addresses.
    static let itemSearchCondition = """
        (LOWER(resources.id) LIKE ? ESCAPE '\\'
        OR LOWER(COALESCE(json_extract(resources.doc, '$.plan.name'), '')) LIKE ? ESCAPE '\\'
        OR LOWER(COALESCE(json_extract(resources.doc, '$.plan.slug'), '')) LIKE ? ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM resources o WHERE o.id = resources.parent_id AND (
            LOWER(o.id) LIKE ? ESCAPE '\\'
            OR LOWER(COALESCE(json_extract(o.doc, '$.first_name'), '') || ' ' || COALESCE(json_extract(o.doc, '$.last_name'), '')) LIKE ? ESCAPE '\\'
            OR LOWER(COALESCE(json_extract(o.doc, '$.username'), '')) LIKE ? ESCAPE '\\'
            OR LOWER(COALESCE(json_extract(o.doc, '$.name'), '')) LIKE ? ESCAPE '\\'
            OR LOWER(COALESCE(json_extract(o.doc, '$.slug'), '')) LIKE ? ESCAPE '\\'
            OR EXISTS (SELECT 1 FROM json_each(o.doc, '$.email_addresses') e
                WHERE LOWER(COALESCE(json_extract(e.value, '$.email_address'), '')) LIKE ? ESCAPE '\\'))))
        """
    static let itemSearchPlaceholders = 9

    // MARK: Credits

    /// `GetUserBillingCreditBalance` / `GetOrganizationBillingCreditBalance`: `null` until the payer first has credits.
    static func balanceAnswer(_ state: EmulatorState, _ owner: Owner) async throws -> EmulatorResponse {
        let payer = try await state.store.writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM resources WHERE kind = ? AND parent_id = ? ORDER BY created_at, rowid", arguments: [payerKind, owner.id]
            ).map(EmulatorStore.record)
        }
        var balance = JSONValue.null
        if let payer, payer.doc["has_credits"]?.boolMember == true {
            balance = money(payer.doc["credit_balance"]?.intMember ?? 0)
        }
        return try .json(["object": "commerce_credit_balance", "balance": balance])
    }

    /// The body of `AdjustUserBillingCreditBalance` / `AdjustOrganizationBillingCreditBalance`.
    struct Adjustment: Sendable {
        let amount: Int64
        let increase: Bool
        let idempotencyKey: String
        let note: String?

        init(_ body: BodyReader) throws {
            guard let amount = try body.int("amount") else { throw EmulatorError.missing("amount") }
            guard amount > 0 else {
                throw EmulatorError(
                    status: 422, code: "form_param_value_invalid", message: "is invalid",
                    longMessage: "amount must be greater than zero", meta: ["param_name": "amount"]
                )
            }
            self.amount = amount
            switch try body.requiredString("action") {
            case "increase": increase = true
            case "decrease": increase = false
            default:
                throw EmulatorError(
                    status: 422, code: "form_param_value_invalid", message: "is invalid",
                    longMessage: "action must be increase or decrease", meta: ["param_name": "action"]
                )
            }
            _ = try BillingEmulation.currency(body.string("currency"))
            idempotencyKey = try body.requiredString("idempotency_key")
            note = try body.string("note")
        }

        var signedAmount: Int64 { increase ? amount : -amount }
    }

    /// Adjusts a payer's balance through a ledger entry. The same idempotency key gives the original entry back (409
    /// when sent with another amount or action); a decrease below zero is refused and consumes no key.
    static func adjust(_ state: EmulatorState, _ owner: Owner, _ adjustment: Adjustment) async throws -> EmulatorResponse {
        let instanceID = state.keys.signer.kid
        let doc = try await state.store.writer.write { db -> JSONValue in
            let key = owner.id + ":" + adjustment.idempotencyKey
            if let ledgerID = try EmulatorStore.owner(of: key, kind: idempotencyKind, db),
                let ledger = try EmulatorStore.fetch(ledgerID, kind: ledgerKind, db)
            {
                guard ledger.doc["amount"]?["amount"]?.intMember == adjustment.signedAmount else {
                    throw EmulatorError(
                        status: 409, code: "idempotency_key_reused", message: "idempotency_key was already used",
                        longMessage: "idempotency_key was already used for an adjustment with another amount or action.",
                        meta: ["param_name": "idempotency_key"]
                    )
                }
                return ledger.doc
            }
            var payer = try ensurePayer(owner, instanceID: instanceID, db)
            var fields = payer.doc.objectMembers ?? [:]
            let balance = fields["credit_balance"]?.intMember ?? 0
            let (updated, overflow) = balance.addingReportingOverflow(adjustment.signedAmount)
            guard !overflow else { throw EmulatorError.invalid("amount", "is too large") }
            guard updated >= 0 else {
                throw EmulatorError(
                    status: 422, code: "insufficient_credit_balance", message: "insufficient credit balance",
                    longMessage: "The credit balance is $\(formatted(balance)); a decrease of $\(formatted(adjustment.amount)) would take it below zero.",
                    meta: ["param_name": "amount"]
                )
            }
            let now = nowMillis()
            fields["credit_balance"] = .int(updated)
            fields["has_credits"] = true
            fields["updated_at"] = .int(now)
            payer.doc = .object(fields)
            payer.updatedAt = now
            try EmulatorStore.update(payer, db)
            let id = EmulatorIDs.make("cledger")
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let doc: JSONValue = [
                "object": "commerce_credit_ledger", "id": .string(id), "payer_id": .string(payer.id),
                "amount": money(adjustment.signedAmount), "source_type": adjustment.increase ? "grant" : "deduction",
                "source_id": .string(adjustment.idempotencyKey), "note": adjustment.note.map { .string($0) } ?? .null,
                "created_at": .string(formatter.string(from: Date(timeIntervalSince1970: Double(now) / 1000))),
            ]
            try EmulatorStore.insert(
                EmulatorStore.Record(id: id, kind: ledgerKind, parentID: owner.id, createdAt: now, updatedAt: now, sortKey: nil, doc: doc, secret: nil),
                db
            )
            try EmulatorStore.claim(key, kind: idempotencyKind, owner: id, db)
            return doc
        }
        return try .json(doc)
    }

    // MARK: Logging

    /// What a real instance would do outside the emulator (charges), as notices.
    static func log(_ notices: [String], _ state: EmulatorState) {
        for notice in notices { state.recordEffect("\(notice)") }
    }
}
