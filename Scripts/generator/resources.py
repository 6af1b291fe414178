"""The resource methods (one per operation not written by hand), the operation-coverage calls and their fixtures, and the check of the hand-written methods."""

import json
import os
import re

from .naming import *  # noqa: F401,F403
from .spec import *  # noqa: F401,F403


# --------------------------------------------------------------------------------------------------------------
# Resources: one typed method per operation
# --------------------------------------------------------------------------------------------------------------

OPERATIONS_TSV = os.path.join(ROOT, "Scripts", "bapi-operations.tsv")
RESOURCES_DIR = os.path.join(ROOT, "Sources", "ClerkBackend", "Resources", "Generated")
TEST_CALLS_FILE = os.path.join(ROOT, "Tests", "ClerkBackendTests", "Resources", "OperationCalls+Generated.swift")
TEST_FIXTURES_FILE = os.path.join(ROOT, "Tests", "ClerkBackendTests", "Fixtures", "operation-fixtures.json")

# The ClerkClient property (JS `clerkClient.<name>`) of operations the JS SDK has no method for, by spec tag.
TAG_RESOURCES = {
    "Admin Portal Link Tokens": "adminPortalLinkTokens",
    "Beta Features": "betaFeatures",
    "Billing": "billing",
    "Directories": "directories",
    "Email & SMS Templates": "templates",
    "Email Addresses": "emailAddresses",
    "Enterprise Connections": "enterpriseConnections",
    "Instance Settings": "instance",
    "Miscellaneous": "interstitial",
    "OAuth Applications": "oauthApplications",
    "Organization Domains": "organizations",
    "Organization Invitations": "organizations",
    "Organizations": "organizations",
    "Phone Numbers": "phoneNumbers",
    "SCIM Directories": "scimDirectories",
    "Users": "users",
}

# ClerkClient property -> (API struct name, what it is for). Resources declared by hand are marked True.
RESOURCE_INFO = {
    "actorTokens": ("ActorTokensAPI", "Actor tokens: let an actor (for example a support agent) impersonate a user.", False),
    "adminPortalLinkTokens": ("AdminPortalLinkTokensAPI", "Link tokens that open the admin portal.", False),
    "agentTasks": ("AgentTasksAPI", "Agent tasks: sign-in tasks created for AI agents acting on behalf of a user.", False),
    "allowlistIdentifiers": ("AllowlistIdentifiersAPI", "The allowlist: identifiers allowed to sign up.", False),
    "apiKeys": ("APIKeysAPI", "API keys issued to users and organizations.", False),
    "betaFeatures": ("BetaFeaturesAPI", "Beta features: instance auth configuration and production domain changes.", False),
    "billing": ("BillingAPI", "Billing: plans, prices, subscriptions and their items, statements and payment attempts.", False),
    "blocklistIdentifiers": ("BlocklistIdentifiersAPI", "The blocklist: identifiers refused at sign-up.", False),
    "clients": ("ClientsAPI", "Clients: the devices and browsers users sign in from.", False),
    "directories": ("DirectoriesAPI", "Directory sync connections and their group-to-role mappings.", False),
    "domains": ("DomainsAPI", "The instance's domains (primary and satellites).", False),
    "emailAddresses": ("EmailAddressesAPI", "Email addresses of users.", False),
    "enterpriseConnections": ("EnterpriseConnectionsAPI", "Enterprise (SAML and OIDC) connections and their test runs.", False),
    "idPOAuthAccessToken": ("IdPOAuthAccessTokenAPI", "OAuth access tokens issued by Clerk as an identity provider.", False),
    "instance": ("InstanceAPI", "Instance settings, restrictions, organization settings, communication and protection.", False),
    "interstitial": ("InterstitialAPI", None, True),
    "invitations": ("InvitationsAPI", "Invitations to sign up for the application.", False),
    "jwks": ("JWKSAPI", "The instance's JSON Web Key Set.", False),
    "jwtTemplates": ("JWTTemplatesAPI", "JWT templates for custom session tokens.", False),
    "m2m": ("M2MTokensAPI", "Machine-to-machine tokens.", False),
    "machines": ("MachinesAPI", "Machines (for machine-to-machine authentication), their scopes and secret keys.", False),
    "oauthApplications": ("OAuthApplicationsAPI", "OAuth applications for which Clerk is the identity provider.", False),
    "organizationPermissions": ("OrganizationPermissionsAPI", "Custom organization permissions.", False),
    "organizationRoles": ("OrganizationRolesAPI", "Custom organization roles and their permissions.", False),
    "organizations": ("OrganizationsAPI", "Organizations, their memberships, invitations, domains, metadata and logo.", False),
    "phoneNumbers": ("PhoneNumbersAPI", "Phone numbers of users.", False),
    "proxyChecks": ("ProxyChecksAPI", "Checks of a Frontend API proxy configuration.", False),
    "redirectURLs": ("RedirectURLsAPI", "Redirect URLs allowed for native and mobile applications.", False),
    "roleSets": ("RoleSetsAPI", "Role sets: the roles organizations can use.", False),
    "samlConnections": ("SAMLConnectionsAPI", "SAML connections (deprecated in favour of enterprise connections).", False),
    "scimDirectories": ("SCIMDirectoriesAPI", "SCIM directories and their group-to-role mappings.", False),
    "sessions": ("SessionsAPI", None, True),
    "signInTokens": ("SignInTokensAPI", "Sign-in tokens: one-time links that sign a user in.", False),
    "signUps": ("SignUpsAPI", "Sign-up attempts.", False),
    "templates": ("TemplatesAPI", "Email and SMS templates (deprecated in the Backend API).", False),
    "testingTokens": ("TestingTokensAPI", "Testing tokens that let test suites bypass bot protection.", False),
    "users": ("UsersAPI", None, True),
    "waitlistEntries": ("WaitlistEntriesAPI", "The waitlist.", False),
    "webhooks": ("WebhooksAPI", "The Svix application behind the instance's webhooks.", False),
}

# Swift method names of operations the JS SDK lacks, where the operationId does not read well on its resource.
METHOD_NAMES = {
    "createAdminPortalLinkToken": "create",
    "revokeAdminPortalLinkToken": "revoke",
    "GetBillingPriceList": "getPriceList",
    "CreateBillingPrice": "createPrice",
    "GetBillingStatementList": "getStatementList",
    "GetBillingStatement": "getStatement",
    "GetBillingStatementPaymentAttempts": "getStatementPaymentAttemptList",
    "GetCommerceSubscriptionItemList": "getSubscriptionItemList",
    "ApplyBillingSubscriptionItemDiscount": "applySubscriptionItemDiscount",
    "RemoveBillingSubscriptionItemDiscount": "removeSubscriptionItemDiscount",
    "CreateBillingPriceTransition": "createPriceTransition",
    "ListDirectories": "getDirectoryList",
    "ListDirectoryGroupRoleMappings": "getDirectoryGroupRoleMappingList",
    "ListSCIMDirectories": "getSCIMDirectoryList",
    "ListSCIMGroupRoleMappings": "getSCIMGroupRoleMappingList",
    "ListEnterpriseConnectionTestRuns": "getEnterpriseConnectionTestRunList",
    "GetInstanceCommunication": "getCommunication",
    "UpdateInstanceCommunication": "updateCommunication",
    "GetInstanceOAuthApplicationSettings": "getOAuthApplicationSettings",
    "UpdateInstanceOAuthApplicationSettings": "updateOAuthApplicationSettings",
    "GetInstanceProtect": "getProtect",
    "UpdateInstanceProtect": "updateProtect",
    "ListAllOrganizationDomains": "getInstanceOrganizationDomainList",
    "ListInstanceOrganizationInvitations": "getInstanceOrganizationInvitationList",
    "ListPendingOrganizationInvitations": "getPendingOrganizationInvitationList",
    "UploadOAuthApplicationLogo": "uploadLogo",
}

# Operations written by hand (Resources/*.swift), not generated: the Users and Sessions APIs, multipart uploads
# and the HTML interstitial.
HAND_WRITTEN_RESOURCES = {"users", "sessions"}
HAND_WRITTEN_OPERATIONS = {"UploadOrganizationLogo", "UploadOAuthApplicationLogo", "GetPublicInterstitial"}

# Deprecated operations: what to use instead.
DEPRECATIONS = {
    "GetClientList": "Clerk is removing GET /clients; look clients up one by one with getClient(_:) or verifyClient(_:)",
    "GetTemplateList": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "GetTemplate": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "UpsertTemplate": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "RevertTemplate": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "PreviewTemplate": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "ToggleTemplateDelivery": "Email and SMS templates are deprecated in the Backend API; manage them in the Clerk Dashboard",
    "UpdateProductionInstanceDomain": "Use betaFeatures.changeProductionInstanceDomain(_:)",
    "ListPendingOrganizationInvitations": "Use getOrganizationInvitationList(_:query:) with status pending",
    "ListSAMLConnections": "Use enterpriseConnections.getEnterpriseConnectionList(_:)",
    "CreateSAMLConnection": "Use enterpriseConnections.createEnterpriseConnection(_:)",
    "GetSAMLConnection": "Use enterpriseConnections.getEnterpriseConnection(_:)",
    "UpdateSAMLConnection": "Use enterpriseConnections.updateEnterpriseConnection(_:_:)",
    "DeleteSAMLConnection": "Use enterpriseConnections.deleteEnterpriseConnection(_:)",
}

# Resources whose calls authenticate with the machine secret key when one is configured (as `@clerk/backend`).
MACHINE_KEY_RESOURCES = {"m2m"}

VERB_THIRD_PERSON = {
    "List": "Lists", "Get": "Gets", "Retrieve": "Fetches", "Create": "Creates", "Update": "Updates",
    "Delete": "Deletes", "Revoke": "Revokes", "Verify": "Verifies", "Add": "Adds", "Remove": "Removes",
    "Replace": "Replaces", "Merge": "Merges", "Rotate": "Rotates", "Upload": "Uploads", "Ban": "Bans",
    "Unban": "Unbans", "Lock": "Locks", "Unlock": "Unlocks", "Invite": "Invites", "Reject": "Rejects",
    "Assign": "Assigns", "Set": "Sets", "Unset": "Unsets", "Extend": "Extends", "Cancel": "Cancels",
    "Apply": "Applies", "Change": "Changes", "Toggle": "Toggles", "Preview": "Previews", "Revert": "Reverts",
    "Generate": "Generates", "Attempt": "Attempts", "Prepare": "Prepares", "Returns": "Returns",
    "Adjust": "Adjusts", "Fetch": "Fetches", "Bulk": "Bulk", "Refresh": "Refreshes", "Upsert": "Updates",
    "Mark": "Marks", "Send": "Sends", "Disable": "Disables", "Enable": "Enables", "Check": "Checks", "Lists": "Lists",
}


def third_person(summary):
    """`Create and send an invitation` -> `Creates and sends an invitation.` (the spec's summaries are imperative)."""
    summary = (summary or "").strip().rstrip(".")
    if not summary:
        return None
    words = summary.split(" ")
    suffix = ""
    if words[0] == "Bulk" and len(words) > 1:
        words = [words[1].capitalize()] + words[2:]
        suffix = " in bulk"
    if words[0] not in VERB_THIRD_PERSON:
        return summary + "."
    words[0] = VERB_THIRD_PERSON[words[0]]
    for i in range(1, len(words) - 1):
        if words[i] in ("and", "or") and words[i + 1].capitalize() in VERB_THIRD_PERSON:
            words[i + 1] = VERB_THIRD_PERSON[words[i + 1].capitalize()].lower()
    return " ".join(words) + suffix + "."


class ResourceMethod:
    def __init__(self, op_id, method, path, resource, name):
        self.op_id = op_id
        self.method = method
        self.path = path
        self.resource = resource
        self.name = name


def synthesize(gen, schema, depth=0, json_name=None, refs=()):
    """A JSON value that fits `schema`, with every property set (property examples where the spec has them).

    A schema already being expanded on the current path (a cycle) is left out, as is anything nested deeper
    than 40 levels."""
    if depth > 40:
        return None
    if isinstance(schema, dict) and "$ref" in schema:
        if schema["$ref"] in refs:
            return None
        return synthesize(gen, gen.spec.deref(schema), depth + 1, json_name, refs + (schema["$ref"],))
    if not isinstance(schema, dict) or schema == {}:
        return {"key": "value"}
    if "example" in schema and schema.get("type") in ("string", "integer", "number", "boolean") \
            and not schema.get("enum"):
        example = schema["example"]
        kind = schema.get("type")
        if (kind == "string" and isinstance(example, str)) or \
                (kind == "integer" and isinstance(example, int) and not isinstance(example, bool)) or \
                (kind == "number" and isinstance(example, (int, float)) and not isinstance(example, bool)) or \
                (kind == "boolean" and isinstance(example, bool)):
            return example
    if schema.get("enum"):
        values = [v for v in schema["enum"] if v is not None]
        return values[0] if values else None
    comb, variants = gen.meaningful_variants(schema)
    if variants and not schema.get("properties"):
        return synthesize(gen, variants[0], depth + 1, json_name, refs)
    if schema.get("properties") or schema.get("allOf"):
        props, _ = gen.merged_object(schema)
        result = {}
        for name, prop in props.items():
            value = synthesize(gen, prop, depth + 1, name, refs)
            if value is not None:
                result[name] = value
        return result
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = [k for k in kind if k != "null"][0]
    if kind == "array":
        item = synthesize(gen, schema.get("items") or {}, depth + 1, json_name, refs)
        return [] if item is None else [item]
    if kind == "object":
        return {"key": "value"}
    if kind == "integer":
        if json_name and json_name.endswith("_at"):
            return 1767225600000
        return 1
    if kind == "number":
        # Counts the spec types as `number` (`total_count` of GET /api_keys) are whole numbers on the wire.
        return 3 if json_name in ("total_count", "limit", "offset") else 2.5
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return "2026-01-01T00:00:00Z"
        if fmt == "date":
            return "2026-01-01"
        if fmt in ("uri", "url"):
            return "https://example.com/path"
        if fmt == "email":
            return "user@example.com"
        return "sample-%s" % (json_name or "value")
    return {"key": "value"}


def generate_resources(gen):
    """Writes Resources/Generated/*.swift, the generated half of the operation-coverage test, and its fixtures."""
    with open(OPERATIONS_TSV, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    header, rows = rows[0], rows[1:]
    index = {name: i for i, name in enumerate(header)}
    assignments = {}
    for row in rows:
        op_id = row[index["operationId"]]
        resource = row[index["js_resource"]]
        js_method = row[index["js_method"]]
        if resource == "-":
            resource = TAG_RESOURCES[row[index["tag"]]]
            js_method = METHOD_NAMES.get(op_id) or (op_id[0].lower() + op_id[1:])
        assignments[op_id] = (swift_acronyms(resource), swift_acronyms(js_method))

    by_resource = {}
    fixtures = {}
    calls = []
    spec_ops = {}
    for path, method, op, common in gen.operations():
        op_id = op["operationId"]
        spec_ops[op_id] = (path, method, op, common)
        if op_id not in assignments:
            raise SystemExit("operation %s is missing from %s" % (op_id, OPERATIONS_TSV))
        fixtures[op_id] = operation_fixture(gen, op)
    if set(assignments) != set(spec_ops):
        raise SystemExit("bapi-operations.tsv and the spec disagree: %s"
                         % sorted(set(assignments) ^ set(spec_ops)))

    for op_id, (path, method, op, common) in spec_ops.items():
        resource, name = assignments[op_id]
        if resource in HAND_WRITTEN_RESOURCES or op_id in HAND_WRITTEN_OPERATIONS:
            continue
        decl, call = method_lines(gen, op_id, path, method, op, common, resource, name, fixtures[op_id])
        by_resource.setdefault(resource, []).append(decl)
        calls.append((op_id in DEPRECATIONS, call))

    files = {}
    for resource in sorted(by_resource):
        struct, doc, hand_declared = RESOURCE_INFO[resource]
        lines = []
        if not hand_declared:
            lines += [
                "extension ClerkClient {",
                "    /// %s" % doc,
                "    public var %s: %s { %s(client: self) }" % (resource, struct, struct),
                "}",
                "",
                "/// %s" % doc,
                "///",
                "/// `clerkClient.%s` in `@clerk/backend`. Ids are sent as single percent-encoded path segments." % resource,
                "public struct %s: Sendable {" % struct,
                "    let client: ClerkClient",
                "}",
                "",
            ]
        lines.append("extension %s {" % struct)
        for i, decl in enumerate(by_resource[resource]):
            if i:
                lines.append("")
            lines += ["    " + l if l else "" for l in decl]
        lines.append("}")
        text = gen.header + "\n" + "\n".join(lines) + "\n"
        files[os.path.join(RESOURCES_DIR, "%s+Generated.swift" % struct)] = text

    test_lines = [
        "@testable import ClerkBackend",
        "",
        "extension OperationCall {",
        "    /// One call of every generated resource method, with the fixture's body and sample path values.",
        "    static func generated() -> [OperationCall] {",
        "        var calls: [OperationCall] = []",
    ]
    for deprecated, call in calls:
        if not deprecated:
            test_lines += ["        " + l for l in call]
    test_lines += [
        "        // Through the protocol, so that calling the deprecated methods on purpose does not warn.",
        "        calls += (DeprecatedOperationCalls.self as any DeprecatedOperationCallsProvider.Type).calls()",
        "        return calls",
        "    }",
        "}",
        "",
        "protocol DeprecatedOperationCallsProvider {",
        "    static func calls() -> [OperationCall]",
        "}",
        "",
        "/// The calls of the methods of operations the spec deprecates.",
        "enum DeprecatedOperationCalls: DeprecatedOperationCallsProvider {",
        "    @available(*, deprecated, message: \"calls deprecated operations on purpose\")",
        "    static func calls() -> [OperationCall] {",
        "        var calls: [OperationCall] = []",
    ]
    for deprecated, call in calls:
        if deprecated:
            test_lines += ["        " + l for l in call]
    test_lines += ["        return calls", "    }", "}"]
    files[TEST_CALLS_FILE] = gen.header + "\n".join(test_lines) + "\n"
    files[TEST_FIXTURES_FILE] = json.dumps(fixtures, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return files, len(calls)


def operation_fixture(gen, op):
    fixture = {}
    body = op.get("requestBody")
    if body:
        body = gen.spec.deref(body)
        json_body = (body.get("content") or {}).get("application/json")
        if json_body and "schema" in json_body:
            fixture["body"] = synthesize(gen, json_body["schema"])
    for code in ("200", "201", "202", "204"):
        response = (op.get("responses") or {}).get(code)
        if response is None:
            continue
        response = gen.spec.deref(response)
        json_resp = (response.get("content") or {}).get("application/json")
        fixture["status"] = int(code)
        if json_resp and "schema" in json_resp:
            fixture["response"] = synthesize(gen, json_resp["schema"])
        break
    return fixture


def swift_type_of_body(gen, op):
    """(type expression, whether it can default to an empty value, is array) of the JSON body, or None."""
    body = op.get("requestBody")
    if not body:
        return None
    body = gen.spec.deref(body)
    json_body = (body.get("content") or {}).get("application/json")
    if not json_body or "schema" not in json_body:
        return None
    schema = json_body["schema"]
    base = operation_type_base(op["operationId"])
    if "$ref" in schema:
        type_expr = gen.schema_names[ref_name(schema["$ref"])]
    else:
        type_expr = base + "Body"
    target = gen.spec.deref(schema)
    defaultable = False
    if target.get("properties") or target.get("allOf"):
        props = gen.build_properties(target, [type_expr], [], "")
        defaultable = all(p.optional for p in props)
    return type_expr, defaultable, target.get("type") == "array"


def query_info(gen, op, common):
    params = []
    for p in list(common) + list(op.get("parameters") or []):
        p = gen.spec.deref(p)
        if p.get("in") == "query":
            params.append(p)
    if not params:
        return None
    base = operation_type_base(op["operationId"])
    required = [p for p in params if p.get("required")]
    return base + "Query", params, required


def sample_swift_value(gen, schema, name):
    schema = gen.spec.deref(schema or {})
    kind = schema.get("type")
    if kind == "array":
        return "[%s]" % sample_swift_value(gen, schema.get("items"), name)
    if kind == "integer":
        return "1"
    if kind == "boolean":
        return "true"
    return swift_string("sample-" + name)


def list_element(gen, op, type_expr):
    """For `{data: [X], total_count}` responses, the Swift type X; else None."""
    for code in ("200", "201"):
        response = (op.get("responses") or {}).get(code)
        if response is None:
            continue
        response = gen.spec.deref(response)
        json_resp = (response.get("content") or {}).get("application/json")
        if not json_resp or "schema" not in json_resp:
            return None
        schema = gen.spec.deref(json_resp["schema"])
        props = schema.get("properties") or {}
        if set(props) != {"data", "total_count"}:
            return None
        items = (props["data"] or {}).get("items") or {}
        if "$ref" in items:
            return gen.schema_names[ref_name(items["$ref"])]
        shared = gen.shared_inline_name(items)
        if shared:
            return shared
        file_text = None
        for rel, text in gen.files.items():
            if re.search(r"^public struct %s: " % re.escape(type_expr), text, re.M):
                file_text = text
                break
        if file_text is None:
            return None
        match = re.search(r"^    public var data: \[(\w+)\]", file_text, re.M)
        return "%s.%s" % (type_expr, match.group(1)) if match else None
    return None


def method_lines(gen, op_id, path, method, op, common, resource, name, fixture):
    endpoint = endpoint_name(op_id)
    path_names = re.findall(r"\{([^}]+)\}", path)
    swift_path = [camel(n) for n in path_names]
    body = swift_type_of_body(gen, op)
    query = query_info(gen, op, common)
    response = gen.success_response_type(op)

    params = []      # declaration pieces
    call_args = []   # pieces of the test call
    labels = []
    if len(path_names) == 1:
        params.append("_ %s: String" % escape(swift_path[0]))
        call_args.append(swift_string("sample_" + path_names[0]))
        labels.append("_")
    else:
        for n, s in zip(path_names, swift_path):
            params.append("%s: String" % s)
            call_args.append("%s: %s" % (s, swift_string("sample_" + n)))
            labels.append(s)
    if body:
        type_expr, defaultable, _ = body
        params.append("_ params: %s%s" % (type_expr, " = %s()" % type_expr if defaultable else ""))
        call_args.append("try fixture.body(%s.self)" % type_expr)
        labels.append("_")
    paginated_bare = False
    if query:
        qtype, qparams, required = query
        label = "query" if (path_names or body) else "_ query"
        default = "" if required else " = %s()" % qtype
        params.append("%s: %s%s" % (label, qtype, default))
        if required:
            args = ", ".join("%s: %s" % (escape(camel(p["name"])), sample_swift_value(gen, p.get("schema"), p["name"]))
                             for p in required)
            value = "%s(%s)" % (qtype, args)
            call_args.append(("query: " if label == "query" else "") + value)
        labels.append("query" if label == "query" else "_")
        paginated_bare = any(p["name"] == "paginated" for p in qparams) and response and response.startswith("[")
    machine = resource in MACHINE_KEY_RESOURCES
    if machine:
        params.append("machineSecretKey: String? = nil")
        labels.append("machineSecretKey")

    # Return type and the expression that sends.
    element = list_element(gen, op, response) if response else None
    if paginated_bare:
        returns = "PaginatedResourceResponse<%s>" % response[1:-1]
    elif element:
        returns = "PaginatedResourceResponse<%s>" % element
    elif response:
        returns = response
    else:
        returns = None

    request_args = [".%s" % endpoint]
    if path_names:
        request_args.append("path: [%s]" % ", ".join(escape(s) for s in swift_path))
    pre = []
    if query:
        if paginated_bare:
            pre += ["var query = query", "if query.paginated == nil { query.paginated = true }"]
        request_args.append("query: query.queryItems")
    if body:
        request_args.append("json: params")
    if machine:
        request_args.append("authorization: machineSecretKey.map { .explicit(Secret($0)) } ?? .machineSecretKeyOrSecretKey")

    summary = third_person(op.get("summary")) or ("Calls %s." % op_id)
    doc = ["/// %s" % summary, "///", "/// `%s %s` (`%s`)." % (method.upper(), path, op_id)]
    if paginated_bare:
        doc += ["///", "/// Sends `paginated=true` unless `query.paginated` is set, and accepts both the paginated answer and",
                "/// the bare array the spec documents (`totalCount` is then the number of items)."]
    if machine:
        doc += ["///", "/// Authenticates with `machineSecretKey` when given, else the client's machine secret key when",
                "/// configured, else its secret key (as `@clerk/backend`)."]
    if path.startswith(("/api_keys", "/m2m_tokens", "/oauth_applications/access_tokens")):
        doc += ["///", "/// Sent under `/v1`, as the spec documents; `@clerk/backend` calls the same route without `/v1`."]
    if not returns:
        doc += ["///", "/// The API answers %s with no body." % ("202 Accepted" if "202" in (op.get("responses") or {}) else "204 No Content")]
    decl = list(doc)
    if op_id in DEPRECATIONS:
        decl.append("@available(*, deprecated, message: %s)" % swift_string(DEPRECATIONS[op_id]))
    signature = "public func %s(%s) async throws%s" % (name, ", ".join(params), " -> " + returns if returns else "")
    if len(signature) > 112:
        signature = "public func %s(\n%s\n) async throws%s" % (
            name, ",\n".join("    " + p for p in params), " -> " + returns if returns else "")
    request = "APIRequest(%s)" % ", ".join(request_args)
    decl += (signature + " {").split("\n")
    for line in pre:
        decl.append("    " + line)
    if body:
        request = "try " + request
    if returns:
        decl.append("    %stry await client.send(%s)" % ("return " if pre else "", request))
    else:
        decl.append("    _ = try await client.send(%s, as: EmptyResponse.self)" % request)
    decl.append("}")

    label = "%s.%s(%s)" % (resource, name, "".join(l + ":" for l in labels))
    call = [
        "calls.append(OperationCall(%s, %s%s) { clerk, fixture in"
        % (swift_string(op_id), swift_string(label), ", sendsFixtureBody: true" if body else ""),
        "    _ = try await clerk.%s.%s(%s)" % (resource, name, ", ".join(call_args)),
        "})",
    ]
    return decl, call


def check_hand_written(gen):
    """Fails if a generated file or top-level type would clash with a hand-written one of the module.

    Swift refuses two files with the same name in one module, and two top-level types with the same name.
    """
    base = os.path.join(ROOT, "Sources", "ClerkBackend")
    generated_names = {os.path.basename(r) for r in gen.files} | {os.path.basename(ENDPOINTS_FILE)}
    generated_types = set()
    for text in gen.files.values():
        generated_types |= set(re.findall(r"^public (?:struct|enum|typealias) (\w+)", text, re.M))
    problems = []
    for directory, _, names in os.walk(base):
        if os.path.abspath(directory).startswith((os.path.abspath(MODELS_DIR), os.path.abspath(RESOURCES_DIR))):
            continue
        for file_name in names:
            full = os.path.join(directory, file_name)
            if not file_name.endswith(".swift") or os.path.abspath(full) == os.path.abspath(ENDPOINTS_FILE):
                continue
            if file_name in generated_names:
                problems.append("file name %s is also generated" % os.path.relpath(full, ROOT))
            with open(full, encoding="utf-8") as f:
                text = f.read()
            for declared in re.findall(r"^(?:public |internal |package )?(?:final )?(?:struct|enum|class|actor|"
                                       r"protocol|typealias) (\w+)", text, re.M):
                if declared in generated_types:
                    problems.append("type %s of %s is also generated" % (declared, os.path.relpath(full, ROOT)))
    if problems:
        raise SystemExit("generate-models.py: clashes with hand-written code:\n  " + "\n  ".join(problems))
