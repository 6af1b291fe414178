import ClerkBackend
import ClerkEmulator
import Foundation
import GRDB
import Testing

/// Billing: the default free plans, custom prices, subscriptions and their items, credits, statements.
@Suite("Emulator: billing")
struct EmulatorBillingTests {
    @Test("Plans: the default free plans for users and organizations, seeded once, filtered by payer type")
    func plans() async throws {
        try await withEmulator { _, clerk in
            let plans = try await clerk.billing.getPlanList()
            #expect(plans.totalCount == 2)
            #expect(Set(plans.data.map(\.slug)) == ["free_user", "free_org"])
            #expect(plans.data.allSatisfy { $0.id.hasPrefix("cplan_") && $0.isDefault && !$0.hasBaseFee && $0.fee?.amount == 0 })
            #expect(plans.data.allSatisfy { $0.fee?.currency == "USD" && $0.fee?.amountFormatted == "0.00" && !$0.freeTrialEnabled })
            let again = try await clerk.billing.getPlanList()
            #expect(Set(again.data.map(\.id)) == Set(plans.data.map(\.id)), "the plans are seeded once")

            let userPlans = try await clerk.billing.getPlanList(GetCommercePlanListQuery(payerType: .user))
            #expect(userPlans.data.map(\.slug) == ["free_user"] && userPlans.data.first?.forPayerType == "user")
            let orgPlans = try await clerk.billing.getPlanList(GetCommercePlanListQuery(payerType: .org))
            #expect(orgPlans.data.map(\.slug) == ["free_org"] && orgPlans.data.first?.forPayerType == "org")
            let page = try await clerk.billing.getPlanList(GetCommercePlanListQuery(limit: 1, offset: 1))
            #expect(page.data.count == 1 && page.totalCount == 2)
        }
    }

    @Test("Prices: each plan has its default price; custom prices are created, listed amount first, and validated")
    func prices() async throws {
        try await withEmulator { emulator, clerk in
            let plan = try #require(try await clerk.billing.getPlanList(GetCommercePlanListQuery(payerType: .user)).data.first)
            let defaults = try await clerk.billing.getPriceList(GetBillingPriceListQuery(planID: plan.id))
            #expect(defaults.totalCount == 1)
            let defaultPrice = try #require(defaults.data.first)
            #expect(defaultPrice.isDefault && defaultPrice.amount == 0 && defaultPrice.planID == plan.id)

            let both = try await clerk.billing.createPrice(
                CreateBillingPriceRequest(planID: plan.id, amount: 2_000, annualMonthlyAmount: 1_500, description: "Partner pricing")
            )
            #expect(both.id.hasPrefix("cprice_") && both.planID == plan.id && !both.isDefault && both.description == "Partner pricing")
            #expect(both.supportedBillingPeriods == .both && both.fee?.amountFormatted == "20.00" && both.annualMonthlyFee?.amount == 1_500)
            let monthly = try await clerk.billing.createPrice(CreateBillingPriceRequest(planID: plan.id, amount: 500))
            #expect(monthly.supportedBillingPeriods == .month && monthly.annualMonthlyFee == nil && monthly.currency == "USD")

            let listed = try await clerk.billing.getPriceList(GetBillingPriceListQuery(planID: plan.id))
            #expect(listed.data.map(\.id) == [defaultPrice.id, monthly.id, both.id], "amount ascending")
            #expect(try await clerk.billing.getPriceList().totalCount == 4, "both default prices and the two custom ones")

            // Refused: less than $1, a currency other than USD, an unknown plan (also as a filter).
            let tooSmall = try await rawRequest(
                emulator, "POST", "/v1/billing/prices", key: emulator.secretKey, body: #"{"plan_id": "\#(plan.id)", "amount": 50}"#
            )
            #expect(tooSmall.status == 422)
            let euros = try await rawRequest(
                emulator, "POST", "/v1/billing/prices", key: emulator.secretKey,
                body: #"{"plan_id": "\#(plan.id)", "amount": 1000, "currency": "EUR"}"#
            )
            #expect(euros.status == 422)
            let unknownPlan = try await rawRequest(
                emulator, "POST", "/v1/billing/prices", key: emulator.secretKey, body: #"{"plan_id": "cplan_missing", "amount": 1000}"#
            )
            #expect(unknownPlan.status == 404)
            #expect(try await rawRequest(emulator, "GET", "/v1/billing/prices?plan_id=cplan_missing", key: emulator.secretKey).status == 404)
            #expect(try await clerk.billing.getPriceList().totalCount == 4, "nothing refused was stored")
        }
    }

    @Test("A user's subscription: the free plan with one active item, created once; items listed with their filters")
    func userSubscription() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(firstName: "Pat", emailAddress: ["payer@example.com"]))
            let subscription = try await clerk.billing.getUserBillingSubscription(user.id)
            #expect(subscription.id.hasPrefix("csub_") && subscription.status == .active && subscription.createdAt == user.createdAt)
            #expect(subscription.subscriptionItems.count == 1 && subscription.nextPayment == nil)
            let item = try #require(subscription.subscriptionItems.first)
            #expect(item.id.hasPrefix("csubi_") && item.status == .active && item.plan?.slug == "free_user" && item.periodEnd == nil)
            #expect(item.payerID == subscription.payerID && !item.isFreeTrial && item.canceledAt == nil)
            let again = try await clerk.billing.getUserBillingSubscription(user.id)
            #expect(again.id == subscription.id && again.subscriptionItems.map(\.id) == [item.id], "created once")

            // Free items only with include_free; every user has one, asked for or not.
            #expect(try await clerk.billing.getSubscriptionItemList().totalCount == 0)
            let other = try await clerk.users.createUser(CreateUserBody(emailAddress: ["other@example.com"]))
            let all = try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(includeFree: true))
            #expect(all.totalCount == 2 && all.data.contains { $0.id == item.id })
            #expect(all.data.first?.createdAt == other.createdAt, "newest first, dated from the user's creation")
            let found = try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(includeFree: true, query: "payer@"))
            #expect(found.data.map(\.id) == [item.id])
            #expect(try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(includeFree: true, query: "nobody@example.org")).totalCount == 0)
            #expect(try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(payerType: .org, includeFree: true)).totalCount == 0)
            #expect(try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(status: .freeTrial, includeFree: true)).totalCount == 0)
            #expect(try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(planID: item.planID, includeFree: true)).totalCount == 2)

            // The default free plan cannot be canceled, is not in a free trial, and no discount exists to apply.
            let cancel = try await rawRequest(emulator, "DELETE", "/v1/billing/subscription_items/\(item.id)", key: emulator.secretKey)
            #expect(cancel.status == 422)
            let extend = try await rawRequest(
                emulator, "POST", "/v1/billing/subscription_items/\(item.id)/extend_free_trial", key: emulator.secretKey,
                body: #"{"extend_to": "2099-01-01T00:00:00Z"}"#
            )
            #expect(extend.status == 422 && extend.json?["errors"]?.arrayValue?.first?["code"] == "subscription_item_not_in_free_trial")
            let apply = try await rawRequest(
                emulator, "POST", "/v1/billing/subscription_items/\(item.id)/discounts", key: emulator.secretKey,
                body: #"{"discount_id": "dsc_missing"}"#
            )
            #expect(apply.status == 404)
            let remove = try await rawRequest(emulator, "DELETE", "/v1/billing/subscription_items/\(item.id)/discounts/dsc_missing", key: emulator.secretKey)
            #expect(remove.status == 404)
            #expect(try await rawRequest(emulator, "DELETE", "/v1/billing/subscription_items/csubi_missing", key: emulator.secretKey).status == 404)
            #expect(try await clerk.billing.getUserBillingSubscription(user.id).subscriptionItems.map(\.status) == [.active], "nothing changed")
        }
    }

    @Test("Price transitions and cancellation: up at once, down at the period's end, cancel at the end or now")
    func transitionsAndCancellation() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["upgrader@example.com"]))
            let free = try #require(try await clerk.billing.getUserBillingSubscription(user.id).subscriptionItems.first)
            let freePriceID = try #require(free.priceID)
            let planID = try #require(free.planID)
            let pro = try await clerk.billing.createPrice(CreateBillingPriceRequest(planID: planID, amount: 2_500))
            let lite = try await clerk.billing.createPrice(CreateBillingPriceRequest(planID: planID, amount: 1_000))

            // Up from free: at once; the free item ends.
            let up = try await clerk.billing.createPriceTransition(free.id, PriceTransitionRequest(fromPriceID: freePriceID, toPriceID: pro.id))
            #expect(up.transition.effectiveMode == .immediate && up.transition.chargedImmediately && up.transition.immediateCharge?.amount == 2_500)
            #expect(up.transition.previousSubscriptionItemID == free.id && up.transition.previousSubscriptionItemStatus == .ended)
            #expect(up.transition.previousPrice.id == freePriceID && up.transition.previousPlan.slug == "free_user")
            let proItem = up.subscriptionItem
            #expect(proItem.status == .active && proItem.priceID == pro.id && proItem.amount?.amount == 2_500 && proItem.periodEnd != nil)
            #expect(up.transition.nextBillingDate == proItem.periodEnd)
            let afterUp = try await clerk.billing.getUserBillingSubscription(user.id)
            #expect(afterUp.subscriptionItems.map(\.id) == [proItem.id])
            #expect(afterUp.nextPayment?.amount.amount == 2_500 && afterUp.nextPayment?.date == proItem.periodEnd)
            #expect(try await clerk.billing.getSubscriptionItemList().data.map(\.id) == [proItem.id], "a paid item is listed without include_free")

            // A stale from_price_id, or the ended free item, is refused.
            let stale = try await rawRequest(
                emulator, "POST", "/v1/billing/subscription_items/\(proItem.id)/price_transition", key: emulator.secretKey,
                body: #"{"from_price_id": "\#(freePriceID)", "to_price_id": "\#(lite.id)"}"#
            )
            #expect(stale.status == 409)
            let fromEnded = try await rawRequest(
                emulator, "POST", "/v1/billing/subscription_items/\(free.id)/price_transition", key: emulator.secretKey,
                body: #"{"from_price_id": "\#(freePriceID)", "to_price_id": "\#(lite.id)"}"#
            )
            #expect(fromEnded.status == 409)

            // Down: at the end of the paid period, nothing charged now; the new item is upcoming.
            let down = try await clerk.billing.createPriceTransition(proItem.id, PriceTransitionRequest(fromPriceID: pro.id, toPriceID: lite.id))
            #expect(down.transition.effectiveMode == .endOfPeriod && !down.transition.chargedImmediately && down.transition.immediateCharge == nil)
            #expect(down.transition.previousSubscriptionItemStatus == .canceled && down.transition.effectiveAt == proItem.periodEnd)
            #expect(down.subscriptionItem.status == .upcoming && down.subscriptionItem.periodStart == proItem.periodEnd)
            let afterDown = try await clerk.billing.getUserBillingSubscription(user.id)
            #expect(afterDown.subscriptionItems.map(\.status) == [.active, .upcoming])
            #expect(afterDown.subscriptionItems.first?.canceledAt != nil && afterDown.nextPayment?.amount.amount == 1_000)

            // Cancelling the upcoming item drops it: the free plan follows the canceled pro item instead.
            let dropped = try await clerk.billing.cancelSubscriptionItem(down.subscriptionItem.id)
            #expect(dropped.status == .abandoned)
            let afterDrop = try await clerk.billing.getUserBillingSubscription(user.id)
            #expect(afterDrop.subscriptionItems.map(\.status) == [.active, .upcoming])
            let queuedFree = try #require(afterDrop.subscriptionItems.last)
            #expect(queuedFree.plan?.slug == "free_user" && queuedFree.priceID == freePriceID && queuedFree.periodStart == proItem.periodEnd)
            #expect(afterDrop.nextPayment == nil, "nothing renews")

            // Cancel at the end of the period (again: unchanged), then at once: the queued free item begins now.
            let canceled = try await clerk.billing.cancelSubscriptionItem(proItem.id)
            #expect(canceled.status == .active && canceled.canceledAt != nil && canceled.endedAt == nil)
            let ended = try await clerk.billing.cancelSubscriptionItem(proItem.id, query: CancelCommerceSubscriptionItemQuery(endNow: true))
            #expect(ended.status == .ended && ended.endedAt != nil)
            let afterEnd = try await clerk.billing.getUserBillingSubscription(user.id)
            #expect(afterEnd.status == .active && afterEnd.subscriptionItems.map(\.id) == [queuedFree.id])
            #expect(afterEnd.subscriptionItems.first?.status == .active)
            #expect(try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(status: .ended)).data.map(\.id) == [proItem.id])
            let endedAgain = try await rawRequest(emulator, "DELETE", "/v1/billing/subscription_items/\(proItem.id)", key: emulator.secretKey)
            #expect(endedAgain.status == 422)
        }
    }

    @Test("An organization's subscription: the organization free plan; a user plan's price is refused")
    func organizationSubscription() async throws {
        try await withEmulator { emulator, clerk in
            let owner = try await clerk.users.createUser(CreateUserBody(emailAddress: ["owner@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Acme Billing", createdBy: owner.id))
            let subscription = try await clerk.billing.getOrganizationBillingSubscription(organization.id)
            #expect(subscription.status == .active && subscription.subscriptionItems.count == 1 && subscription.createdAt == organization.createdAt)
            let item = try #require(subscription.subscriptionItems.first)
            #expect(item.plan?.slug == "free_org" && item.plan?.forPayerType == "org" && item.status == .active)
            #expect(try await clerk.billing.getOrganizationBillingSubscription(organization.id).id == subscription.id)
            let userSubscription = try await clerk.billing.getUserBillingSubscription(owner.id)
            #expect(userSubscription.payerID != subscription.payerID, "the organization is a payer of its own")

            let orgItems = try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(payerType: .org, includeFree: true))
            #expect(orgItems.data.map(\.id) == [item.id])
            let byName = try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(includeFree: true, query: "Acme Billing"))
            #expect(byName.data.map(\.id) == [item.id])

            let userPlan = try #require(try await clerk.billing.getPlanList(GetCommercePlanListQuery(payerType: .user)).data.first)
            let userPrice = try await clerk.billing.createPrice(CreateBillingPriceRequest(planID: userPlan.id, amount: 1_000))
            let freePriceID = try #require(item.priceID)
            let refused = try await rawRequest(
                emulator, "POST", "/v1/billing/subscription_items/\(item.id)/price_transition", key: emulator.secretKey,
                body: #"{"from_price_id": "\#(freePriceID)", "to_price_id": "\#(userPrice.id)"}"#
            )
            #expect(refused.status == 422)
            let orgPlanID = try #require(item.planID)
            let orgPrice = try await clerk.billing.createPrice(CreateBillingPriceRequest(planID: orgPlanID, amount: 4_900))
            let moved = try await clerk.billing.createPriceTransition(item.id, PriceTransitionRequest(fromPriceID: freePriceID, toPriceID: orgPrice.id))
            #expect(moved.subscriptionItem.status == .active && moved.subscriptionItem.plan?.payerType == ["org"])
            #expect(try await clerk.billing.getOrganizationBillingSubscription(organization.id).subscriptionItems.map(\.priceID) == [orgPrice.id])
        }
    }

    @Test("Credits: a balance per payer, increased, decreased, never below zero, idempotent by key")
    func credits() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["credits@example.com"]))
            let start = try await clerk.users.getUserBillingCreditBalance(user.id)
            #expect(start.object == "commerce_credit_balance" && start.balance == nil, "no credits yet")

            let grant = try await clerk.users.adjustUserBillingCreditBalance(
                user.id, AdjustCreditBalanceRequest(amount: 1_000, action: .increase, idempotencyKey: "grant-1", note: "Welcome")
            )
            #expect(grant.amount.amount == 1_000 && grant.amount.amountFormatted == "10.00" && grant.note == "Welcome")
            #expect(grant.object == "commerce_credit_ledger" && !grant.payerID.isEmpty)
            #expect(try await clerk.users.getUserBillingCreditBalance(user.id).balance?.amount == 1_000)

            // The same key again: the same entry, no second adjustment.
            let repeated = try await clerk.users.adjustUserBillingCreditBalance(
                user.id, AdjustCreditBalanceRequest(amount: 1_000, action: .increase, idempotencyKey: "grant-1")
            )
            #expect(repeated.id == grant.id && repeated.createdAt == grant.createdAt)
            #expect(try await clerk.users.getUserBillingCreditBalance(user.id).balance?.amount == 1_000)

            let spend = try await clerk.users.adjustUserBillingCreditBalance(
                user.id, AdjustCreditBalanceRequest(amount: 400, action: .decrease, idempotencyKey: "spend-1")
            )
            #expect(spend.amount.amount == -400 && spend.id != grant.id && spend.payerID == grant.payerID)
            #expect(try await clerk.users.getUserBillingCreditBalance(user.id).balance?.amount == 600)

            // Below zero: refused, and the key stays unused.
            let overdraw = try await rawRequest(
                emulator, "POST", "/v1/users/\(user.id)/billing/credits", key: emulator.secretKey,
                body: #"{"amount": 700, "action": "decrease", "idempotency_key": "spend-2"}"#
            )
            #expect(overdraw.status == 422)
            #expect(try await clerk.users.getUserBillingCreditBalance(user.id).balance?.amount == 600)
            let exact = try await clerk.users.adjustUserBillingCreditBalance(
                user.id, AdjustCreditBalanceRequest(amount: 600, action: .decrease, idempotencyKey: "spend-2")
            )
            #expect(exact.amount.amount == -600)
            #expect(try await clerk.users.getUserBillingCreditBalance(user.id).balance?.amount == 0)
            // A key reused for another adjustment, and a zero amount, are refused.
            let reused = try await rawRequest(
                emulator, "POST", "/v1/users/\(user.id)/billing/credits", key: emulator.secretKey,
                body: #"{"amount": 5, "action": "increase", "idempotency_key": "grant-1"}"#
            )
            #expect(reused.status == 409)
            let zero = try await rawRequest(
                emulator, "POST", "/v1/users/\(user.id)/billing/credits", key: emulator.secretKey,
                body: #"{"amount": 0, "action": "increase", "idempotency_key": "zero"}"#
            )
            #expect(zero.status == 422)

            // An organization's balance is its own; keys are per payer.
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Credit Co", createdBy: user.id))
            #expect(try await clerk.organizations.getOrganizationBillingCreditBalance(organization.id).balance == nil)
            let orgGrant = try await clerk.organizations.adjustOrganizationBillingCreditBalance(
                organization.id, AdjustCreditBalanceRequest(amount: 2_500, action: .increase, idempotencyKey: "grant-1")
            )
            #expect(orgGrant.id != grant.id && orgGrant.payerID != grant.payerID)
            let orgAgain = try await clerk.organizations.adjustOrganizationBillingCreditBalance(
                organization.id, AdjustCreditBalanceRequest(amount: 2_500, action: .increase, idempotencyKey: "grant-1")
            )
            #expect(orgAgain.id == orgGrant.id)
            #expect(try await clerk.organizations.getOrganizationBillingCreditBalance(organization.id).balance?.amount == 2_500)
            let orgOverdraw = try await rawRequest(
                emulator, "POST", "/v1/organizations/\(organization.id)/billing/credits", key: emulator.secretKey,
                body: #"{"amount": 2501, "action": "decrease", "idempotency_key": "too-much"}"#
            )
            #expect(orgOverdraw.status == 422)
            #expect(try await clerk.users.getUserBillingCreditBalance(user.id).balance?.amount == 0, "the user's balance is untouched")
        }
    }

    @Test("Statements: each charge is a paid payment attempt in the payer's statement of the month, listed, fetched and recorded as an effect")
    func statements() async throws {
        try await withEmulator { emulator, clerk in
            // Nothing charged yet: no statement.
            let none = try await clerk.billing.getStatementList()
            #expect(none.data.isEmpty && none.totalCount == 0)
            #expect(try await rawRequest(emulator, "GET", "/v1/billing/statements/cstmt_missing", key: emulator.secretKey).status == 404)
            #expect(try await rawRequest(emulator, "GET", "/v1/billing/statements/cstmt_missing/payment_attempts", key: emulator.secretKey).status == 404)

            // Two charges for one user (up from free, then up again), none for another.
            let user = try await clerk.users.createUser(CreateUserBody(firstName: "Pay", emailAddress: ["payer@example.com"]))
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["free@example.com"]))
            let free = try #require(try await clerk.billing.getUserBillingSubscription(user.id).subscriptionItems.first)
            let planID = try #require(free.planID)
            let pro = try await clerk.billing.createPrice(CreateBillingPriceRequest(planID: planID, amount: 2_500))
            let max = try await clerk.billing.createPrice(CreateBillingPriceRequest(planID: planID, amount: 9_900))
            let up = try await clerk.billing.createPriceTransition(free.id, PriceTransitionRequest(fromPriceID: try #require(free.priceID), toPriceID: pro.id))
            let charged = try #require(up.transition.immediateCharge?.amount)
            let upAgain = try await clerk.billing.createPriceTransition(up.subscriptionItem.id, PriceTransitionRequest(fromPriceID: pro.id, toPriceID: max.id))
            let chargedAgain = try #require(upAgain.transition.immediateCharge?.amount)

            let statements = try await clerk.billing.getStatementList()
            #expect(statements.totalCount == 1, "one statement for the payer's month")
            let listed = try #require(statements.data.first)
            #expect(listed.status == .open && listed.payer.userID == user.id && listed.payer.email == "payer@example.com")
            #expect(listed.totals.grandTotal.amount == charged + chargedAgain && listed.totals.taxTotal.amount == 0)
            let items = listed.groups.flatMap(\.items)
            #expect(items.map(\.amount.amount) == [chargedAgain, charged], "newest first")
            #expect(items.allSatisfy { $0.status == .paid && $0.paidAt != nil && $0.statementID == listed.id && $0.paymentMethod.last4 == "4242" })
            #expect(Set(items.map(\.paymentMethodID)).count == 1, "one card per payer")
            #expect(items.map(\.subscriptionItemID) == [upAgain.subscriptionItem.id, up.subscriptionItem.id])

            let fetched = try await clerk.billing.getStatement(listed.id)
            #expect(fetched.id == listed.id && fetched.groups.flatMap(\.items).count == 2)
            let attempts = try await clerk.billing.getStatementPaymentAttemptList(listed.id)
            #expect(attempts.totalCount == 2 && attempts.data.map(\.amount.amount) == [chargedAgain, charged], "newest first")
            let page = try await rawRequest(emulator, "GET", "/v1/billing/statements/\(listed.id)/payment_attempts?limit=1&offset=1", key: emulator.secretKey)
            #expect(page.json?["total_count"] == 2 && page.json?["data"]?[0]?["amount"]?["amount"] == .int(charged))

            // The charge is an effect a developer sees (the dashboard's effects page and the log).
            let effects = try await EmulatorDashboardTests.Visitor.open(emulator).get("/dashboard/effects")
            #expect(effects.body.contains("kept as a paid payment attempt on statement \(listed.id)"))
        }
    }

    @Test("A paid period that has ended renews when the statements are read: its charge is a second payment attempt")
    func renewalOnStatementRead() async throws {
        let directory = try EmulatorSnapshotTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("emulator.sqlite").path
        try await withEmulator(databasePath: path) { _, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["renewing@example.com"]))
            let free = try #require(try await clerk.billing.getUserBillingSubscription(user.id).subscriptionItems.first)
            let pro = try await clerk.billing.createPrice(CreateBillingPriceRequest(planID: try #require(free.planID), amount: 2_500))
            let up = try await clerk.billing.createPriceTransition(free.id, PriceTransitionRequest(fromPriceID: try #require(free.priceID), toPriceID: pro.id))
            // A month goes by: the item's paid period ends a second ago (written beside the running emulator).
            let ended = Int64(Date().timeIntervalSince1970 * 1000) - 1_000
            let database = try DatabaseQueue(path: path)
            try await database.write { db in
                try db.execute(
                    sql: "UPDATE resources SET doc = json_set(doc, '$.period_end', ?) WHERE id = ?", arguments: [ended, up.subscriptionItem.id]
                )
            }
            try database.close()
            // Reading the statements (no other billing call in between) settles the payer first.
            let statements = try await clerk.billing.getStatementList()
            let attempts = statements.data.flatMap { $0.groups.flatMap(\.items) }
            #expect(attempts.count == 2 && attempts.first?.chargeType == "recurring" && attempts.first?.amount.amount == 2_500)
            #expect(attempts.last?.chargeType == "checkout")
            let renewed = try #require(try await clerk.billing.getUserBillingSubscription(user.id).subscriptionItems.first { $0.id == up.subscriptionItem.id })
            #expect((renewed.periodEnd ?? 0) > ended && renewed.periodStart == ended)
        }
    }

    @Test("Unknown users and organizations: 404 for subscriptions and credits")
    func unknownPayers() async throws {
        try await withEmulator { emulator, clerk in
            for path in [
                "/v1/users/user_missing/billing/subscription", "/v1/users/user_missing/billing/credits",
                "/v1/organizations/org_missing/billing/subscription", "/v1/organizations/org_missing/billing/credits",
            ] {
                #expect(try await rawRequest(emulator, "GET", path, key: emulator.secretKey).status == 404, "\(path)")
            }
            let adjustment = #"{"amount": 100, "action": "increase", "idempotency_key": "k"}"#
            #expect(try await rawRequest(emulator, "POST", "/v1/users/user_missing/billing/credits", key: emulator.secretKey, body: adjustment).status == 404)
            #expect(try await rawRequest(emulator, "POST", "/v1/organizations/org_missing/billing/credits", key: emulator.secretKey, body: adjustment).status == 404)
            do {
                _ = try await clerk.billing.getUserBillingSubscription("user_missing")
                Issue.record("an unknown user has no subscription")
            } catch let error as ClerkAPIResponseError {
                #expect(error.status == 404)
            }
            // A deleted user's items leave the list with it.
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["gone@example.com"]))
            _ = try await clerk.billing.getUserBillingSubscription(user.id)
            #expect(try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(includeFree: true)).totalCount == 1)
            _ = try await clerk.users.deleteUser(user.id)
            #expect(try await clerk.billing.getSubscriptionItemList(GetCommerceSubscriptionItemListQuery(includeFree: true)).totalCount == 0)
            #expect(try await rawRequest(emulator, "GET", "/v1/users/\(user.id)/billing/subscription", key: emulator.secretKey).status == 404)
        }
    }
}
