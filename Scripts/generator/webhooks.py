"""The payloads of Clerk's webhooks spec that the Backend API spec does not define: merged into the component
schemas before generation, so they become models like the others (webhook payloads that are Backend API objects,
such as `User` or `Role`, already are)."""

import copy

from .spec import ref_name

# The `data` schemas of the webhook events that only the webhooks spec has.
ROOTS = [
    "EmailEventPayload", "SmsEventPayload", "PaymentAttemptEventPayload", "SubscriptionEventPayload",
    "BillingSubscriptionItemEventPayload", "OrganizationInvitationAcceptedPayload",
]
PREFIX = "Webhook"


def merge_webhook_schemas(bapi, webhooks):
    """Adds the webhook-only schemas reachable from ROOTS to `bapi`'s component schemas, in place. A schema the
    Backend API spec also has (and that is the same there) is used from the Backend API; the others get the
    `x-clerk-webhooks-schema` marker. Returns the names added."""
    target = bapi["components"]["schemas"]
    source = webhooks["components"]["schemas"]
    added = []
    todo = list(ROOTS)
    while todo:
        name = todo.pop(0)
        if name in target or name in added:
            if name in target and name not in added and source[name] != target[name]:
                raise SystemExit("webhooks schema %s differs from the Backend API's" % name)
            continue
        schema = copy.deepcopy(source[name])
        schema["x-clerk-webhooks-schema"] = name
        target[name] = schema
        added.append(name)
        todo += sorted(refs(schema))
    return added


def refs(node):
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                found.add(ref_name(value))
            else:
                found |= refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs(value)
    return found


def fit_to_examples(bapi, webhooks):
    """Clerk's webhooks spec shows payloads without properties its schemas require (a `role.updated` without
    `is_creator_eligible`, an `sms.created` without `created_at_ms`). A webhook must never fail to decode for that,
    so each event's `data` schema is fitted to its example: a webhook-only schema drops those properties from
    `required`; a Backend API schema (whose model the API's answers need as it is) gets a webhook copy, `Webhook<Name>`,
    that does. Returns {event type: schema name of its payload}."""
    schemas = bapi["components"]["schemas"]
    payloads = {}
    for event_type, item in sorted(webhooks["x-webhooks"].items()):
        content = item["post"]["requestBody"]["content"]["application/json"]
        data_schema = content["schema"]["allOf"][1]["properties"]["data"]
        example = (content.get("example") or {}).get("data")
        if "$ref" not in data_schema or not isinstance(example, dict):
            continue
        name = ref_name(data_schema["$ref"])
        payloads[event_type] = fit(schemas, name, example)
    return payloads


def fit(schemas, name, value):
    """The schema to decode `value` with: `name`, or the webhook copy of it that `value` satisfies."""
    schema = schemas[name]
    changes = needed_changes(schemas, schema, value)
    if changes is None:
        return name
    if "x-clerk-webhooks-schema" in schema:
        copy_name = name
    else:
        copy_name = PREFIX + name
        if copy_name not in schemas:
            schemas[copy_name] = copy.deepcopy(schema)
            schemas[copy_name]["x-clerk-webhooks-schema"] = name
    apply_changes(schemas[copy_name], changes)
    return copy_name


def needed_changes(schemas, schema, value):
    """What `schema` must lose for `value` to decode: required properties `value` lacks, properties whose schema
    needs a fitted copy, and `allOf` parts that need relaxing (inlined, so no type exists only as a part).
    `None` when `value` fits as it is."""
    parts = schema["allOf"] if "allOf" in schema else [schema]
    missing = []
    nested = {}  # (part index, property or "property[]") -> fitted schema name
    inline = {}  # part index -> relaxed copy of the part's referenced schema
    for index, part in enumerate(parts):
        if "$ref" in part:
            inner = copy.deepcopy(schemas[ref_name(part["$ref"])])
            inner_changes = needed_changes(schemas, inner, value)
            if inner_changes is not None:
                apply_changes(inner, inner_changes)
                inline[index] = inner
            continue
        missing += [key for key in part.get("required", []) if key not in value]
        for key, prop in part.get("properties", {}).items():
            child = value.get(key)
            target = prop
            if "$ref" not in target and isinstance(target.get("allOf"), list) and len(target["allOf"]) == 1:
                target = target["allOf"][0]
            if "$ref" in target and isinstance(child, dict):
                inner_name = ref_name(target["$ref"])
                fitted = fit(schemas, inner_name, child)
                if fitted != inner_name:
                    nested[(index, key)] = fitted
            elif target.get("type") == "array" and "$ref" in target.get("items", {}) and isinstance(child, list):
                inner_name = ref_name(target["items"]["$ref"])
                for element in child:
                    if isinstance(element, dict):
                        fitted = fit(schemas, inner_name, element)
                        if fitted != inner_name:
                            nested[(index, key + "[]")] = fitted
    if not missing and not nested and not inline:
        return None
    return missing, nested, inline


def apply_changes(target, changes):
    missing, nested, inline = changes
    parts = target["allOf"] if "allOf" in target else [target]
    for index, relaxed in inline.items():
        parts[index] = relaxed
    for part in parts:
        if "required" in part:
            part["required"] = [key for key in part["required"] if key not in missing]
    for (index, key), fitted in nested.items():
        part = parts[index]
        if key.endswith("[]"):
            part["properties"][key[:-2]]["items"]["$ref"] = "#/components/schemas/" + fitted
        else:
            prop = part["properties"][key]
            holder = prop["allOf"][0] if "$ref" not in prop and "allOf" in prop else prop
            holder["$ref"] = "#/components/schemas/" + fitted
