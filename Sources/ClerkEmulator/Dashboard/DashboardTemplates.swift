import Mustache

/// The dashboard's pages, as Mustache templates (`{{name}}` is HTML-escaped; the only unescaped value is the
/// layout's `{{{body}}}`, itself a rendered template).
enum DashboardTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templates {
            // The templates are constants of this file: a parse error is a bug caught by the dashboard's tests.
            if let template = try? MustacheTemplate(string: text) { library.register(template, named: name) }
        }
        return library
    }()

    static let templates: [String: String] = [
        "layout": layout, "overview": overview, "users": users, "user": user, "organizations": organizations,
        "organization": organization, "sessions": sessions, "jwt-templates": jwtTemplates, "jwt-template": jwtTemplate, "webhooks": webhooks,
        "requests": requests, "effects": effects, "message": message,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex"><title>{{title}} · Clerk emulator</title>
        <style>
        :root{--line:#e3e3e8;--muted:#6b6b76;--accent:#5b4cdb}
        body{font-family:system-ui,sans-serif;margin:0;color:#1d1d24;font-size:15px}
        header{display:flex;gap:2rem;align-items:center;padding:.8rem 1.5rem;border-bottom:1px solid var(--line);background:#fafafc}
        header strong{font-size:1.05em}nav a{margin-right:1.1rem;color:var(--muted);text-decoration:none}
        nav a[aria-current=page]{color:var(--accent);font-weight:600}
        main{padding:1rem 1.5rem 3rem;max-width:72rem}h1{font-size:1.4em}h1 small{color:var(--muted);font-weight:400}
        h2{font-size:1.1em;margin-top:2rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
        th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
        th{font-size:.8em;text-transform:uppercase;color:var(--muted);font-weight:600}code{font-size:.85em;color:#444}
        form.inline{display:inline}form.stack label{display:block;margin:.5rem 0}
        form.stack input,form.stack textarea,form.stack select{display:block;width:22rem;max-width:100%;padding:.35rem;margin-top:.2rem}
        textarea{font-family:ui-monospace,monospace}button{padding:.3rem .8rem;cursor:pointer}
        button.danger{color:#b00020}.badge{font-size:.75em;padding:.1rem .45rem;border-radius:.6rem;background:#eee}
        .ok{background:#e1f5e6;color:#17672e}.bad{background:#fde7ea;color:#9b1027}.wait{background:#fff4d6;color:#7a5600}
        .flash{padding:.6rem .9rem;background:#e1f5e6;border-radius:.3rem}.flash.error{background:#fde7ea;color:#9b1027}
        .muted{color:var(--muted)}.cards{display:flex;gap:1rem;flex-wrap:wrap}
        .card{border:1px solid var(--line);border-radius:.4rem;padding:.8rem 1.1rem;min-width:9rem}
        .card b{display:block;font-size:1.6em}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}
        dt{color:var(--muted)}dd{margin:0}pre{background:#f6f6f9;padding:.6rem;overflow:auto;font-size:.85em}
        </style></head>
        <body><header><strong>Clerk emulator</strong><nav>
        {{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/nav}}
        </nav></header>
        <main>
        {{#flash}}<p class="flash{{#isError}} error{{/isError}}" id="flash" role="status">{{text}}</p>{{/flash}}
        {{{body}}}
        </main></body></html>
        """

    static let overview = """
        <h1>Development instance</h1>
        <div class="cards">
        <a class="card" href="/dashboard/users"><b id="user-count">{{users}}</b>users</a>
        <a class="card" href="/dashboard/organizations"><b>{{organizations}}</b>organizations</a>
        <a class="card" href="/dashboard/sessions"><b>{{sessions}}</b>active sessions</a>
        <a class="card" href="/dashboard/webhooks"><b>{{webhooksFailed}}</b>failed webhooks</a>
        <a class="card" href="/dashboard/requests"><b>{{requests}}</b>API requests</a>
        </div>
        <h2>Instance</h2>
        <dl>
        <dt>Instance ID</dt><dd><code>{{instanceID}}</code></dd>
        <dt>Backend API</dt><dd><code>{{apiURL}}</code> (<code>CLERK_API_URL</code>)</dd>
        <dt>Publishable key</dt><dd><code>{{publishableKey}}</code></dd>
        <dt>Frontend API</dt><dd><code>{{frontendAPI}}</code></dd>
        <dt>Hosted sign-in</dt><dd><code>{{signInURL}}</code></dd>
        <dt>Webhooks</dt><dd>{{#webhookURL}}<code>{{webhookURL}}</code>{{/webhookURL}}{{^webhookURL}}<span class="muted">not configured (<code>clerk emulator --webhook-url URL</code>)</span>{{/webhookURL}}</dd>
        <dt>Session token lifetime</dt><dd>{{tokenLifetime}} s</dd>
        </dl>
        <p class="muted">The secret key is not shown here: <code>clerk emulator</code> prints it when it starts.</p>
        """

    static let users = """
        <h1>Users <small>{{total}}</small></h1>
        <form method="get" action="/dashboard/users" class="inline" role="search">
        <input type="search" name="query" value="{{query}}" placeholder="Email, name, username, phone or ID" size="36">
        <button type="submit">Search</button>{{#searching}} <a href="/dashboard/users">Clear</a>{{/searching}}</form>
        <table id="users"><thead><tr><th>User</th><th>Identifier</th><th>Created</th><th>Last sign-in</th><th></th></tr></thead><tbody>
        {{#items}}<tr data-user-id="{{id}}"><td><a href="/dashboard/users/{{id}}">{{name}}</a><br><code>{{id}}</code></td>
        <td>{{identifier}}</td><td>{{created}}</td><td>{{lastSignIn}}</td>
        <td>{{#banned}}<span class="badge bad">banned</span>{{/banned}}{{#locked}} <span class="badge wait">locked</span>{{/locked}}</td></tr>{{/items}}
        {{^items}}<tr><td colspan="5" class="muted">No users{{#searching}} match this search{{/searching}}.</td></tr>{{/items}}
        </tbody></table>
        {{#previous}}<a href="{{previous}}">← Previous</a> {{/previous}}{{#next}}<a href="{{next}}">Next →</a>{{/next}}
        <h2>Create a user</h2>
        <form method="post" action="/dashboard/users" class="stack" id="create-user">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <label>Email address <input type="email" name="email_address" value="{{form.email_address}}"></label>
        <label>Username <input name="username" value="{{form.username}}"></label>
        <label>First name <input name="first_name" value="{{form.first_name}}"></label>
        <label>Last name <input name="last_name" value="{{form.last_name}}"></label>
        <label>Password <span class="muted">(optional; at least 8 characters)</span> <input type="password" name="password" autocomplete="new-password"></label>
        <button type="submit">Create user</button></form>
        """

    static let user = """
        <p><a href="/dashboard/users">← Users</a></p>
        <h1>{{name}} {{#banned}}<span class="badge bad">banned</span>{{/banned}}</h1>
        <dl><dt>ID</dt><dd><code id="user-id">{{id}}</code></dd>
        {{#emails}}<dt>Email</dt><dd>{{address}}{{#primary}} <span class="badge">primary</span>{{/primary}}</dd>{{/emails}}
        {{#phones}}<dt>Phone</dt><dd>{{number}}</dd>{{/phones}}
        {{#username}}<dt>Username</dt><dd>{{username}}</dd>{{/username}}
        <dt>Created</dt><dd>{{created}}</dd><dt>Last sign-in</dt><dd>{{lastSignIn}}</dd>
        {{#signUp}}<dt>Signed up</dt><dd><code id="sign-up-id">{{id}}</code> · {{status}} · {{created}}</dd>{{/signUp}}</dl>

        <h2>Sign in as this user</h2>
        <form method="post" action="/dashboard/users/{{id}}/sign-in-as" class="stack" id="sign-in-as">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <label>Return to <span class="muted">(your app's page; the hosted sign-in sends the browser there)</span>
        <input type="url" name="redirect_url" value="{{redirectURL}}" placeholder="http://localhost:3000/"></label>
        <button type="submit">Sign in as {{name}}</button></form>

        <h2>Sessions</h2>
        <table id="user-sessions"><thead><tr><th>Session</th><th>Status</th><th>Last active</th><th></th></tr></thead><tbody>
        {{#sessions}}<tr data-session-id="{{id}}"><td><code>{{id}}</code></td><td><span class="badge {{statusClass}}">{{status}}</span></td><td>{{lastActive}}</td>
        <td>{{#active}}<form method="post" action="/dashboard/sessions/{{id}}/revoke" class="inline"><input type="hidden" name="csrf_token" value="{{csrf}}"><input type="hidden" name="return_to" value="/dashboard/users/{{userID}}"><button type="submit" class="danger">Revoke</button></form>{{/active}}</td></tr>{{/sessions}}
        {{^sessions}}<tr><td colspan="4" class="muted">No sessions.</td></tr>{{/sessions}}
        </tbody></table>

        <h2>Organizations</h2>
        <ul>{{#memberships}}<li><a href="/dashboard/organizations/{{organizationID}}">{{organization}}</a> · {{role}}</li>{{/memberships}}
        {{^memberships}}<li class="muted">None.</li>{{/memberships}}</ul>

        <h2>Edit</h2>
        <form method="post" action="/dashboard/users/{{id}}" class="stack" id="edit-user">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <label>First name <input name="first_name" value="{{form.first_name}}"></label>
        <label>Last name <input name="last_name" value="{{form.last_name}}"></label>
        <label>Username <input name="username" value="{{form.username}}"></label>
        <label>Public metadata (JSON) <textarea name="public_metadata" rows="4">{{form.public_metadata}}</textarea></label>
        <label>Private metadata (JSON) <textarea name="private_metadata" rows="4">{{form.private_metadata}}</textarea></label>
        <button type="submit">Save</button></form>

        <h2>Danger zone</h2>
        {{#banned}}<form method="post" action="/dashboard/users/{{id}}/unban" class="inline"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit">Unban</button></form>{{/banned}}
        {{^banned}}<form method="post" action="/dashboard/users/{{id}}/ban" class="inline"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="danger">Ban</button></form>{{/banned}}
        <form method="post" action="/dashboard/users/{{id}}/delete" class="inline"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="danger">Delete user</button></form>
        """

    static let organizations = """
        <h1>Organizations <small>{{total}}</small></h1>
        <table id="organizations"><thead><tr><th>Organization</th><th>Slug</th><th>Members</th><th>Created</th></tr></thead><tbody>
        {{#items}}<tr data-organization-id="{{id}}"><td><a href="/dashboard/organizations/{{id}}">{{name}}</a><br><code>{{id}}</code></td><td>{{slug}}</td><td>{{members}}</td><td>{{created}}</td></tr>{{/items}}
        {{^items}}<tr><td colspan="4" class="muted">No organizations.</td></tr>{{/items}}
        </tbody></table>
        {{#previous}}<a href="{{previous}}">← Previous</a> {{/previous}}{{#next}}<a href="{{next}}">Next →</a>{{/next}}
        <h2>Create an organization</h2>
        <form method="post" action="/dashboard/organizations" class="stack" id="create-organization">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <label>Name <input name="name" value="{{form.name}}" required></label>
        <label>Slug <span class="muted">(optional)</span> <input name="slug" value="{{form.slug}}"></label>
        <label>Created by <span class="muted">(a user ID; becomes its admin)</span> <input name="created_by" value="{{form.created_by}}"></label>
        <button type="submit">Create organization</button></form>
        """

    static let organization = """
        <p><a href="/dashboard/organizations">← Organizations</a></p>
        <h1>{{name}}</h1>
        <dl><dt>ID</dt><dd><code>{{id}}</code></dd><dt>Slug</dt><dd>{{slug}}</dd><dt>Created</dt><dd>{{created}}</dd></dl>
        <h2>Members</h2>
        <table id="members"><thead><tr><th>User</th><th>Role</th><th></th></tr></thead><tbody>
        {{#members}}<tr data-user-id="{{userID}}"><td><a href="/dashboard/users/{{userID}}">{{user}}</a></td>
        <td><form method="post" action="/dashboard/organizations/{{organizationID}}/members/{{userID}}" class="inline">
        <input type="hidden" name="csrf_token" value="{{csrf}}"><select name="role">{{#roles}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/roles}}</select>
        <button type="submit">Change role</button></form></td>
        <td><form method="post" action="/dashboard/organizations/{{organizationID}}/members/{{userID}}/remove" class="inline">
        <input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="danger">Remove</button></form></td></tr>{{/members}}
        {{^members}}<tr><td colspan="3" class="muted">No members.</td></tr>{{/members}}
        </tbody></table>
        <h2>Add a member</h2>
        <form method="post" action="/dashboard/organizations/{{id}}/members" class="stack" id="add-member">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <label>User ID <input name="user_id" value="{{form.user_id}}" required></label>
        <label>Role <select name="role">{{#allRoles}}<option value="{{key}}">{{name}}</option>{{/allRoles}}</select></label>
        <button type="submit">Add member</button></form>
        <h2>Edit</h2>
        <form method="post" action="/dashboard/organizations/{{id}}" class="stack" id="edit-organization">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <label>Name <input name="name" value="{{form.name}}" required></label>
        <label>Slug <input name="slug" value="{{form.slug}}"></label>
        <button type="submit">Save</button></form>
        <h2>Danger zone</h2>
        <form method="post" action="/dashboard/organizations/{{id}}/delete" class="inline"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="danger">Delete organization</button></form>
        """

    static let sessions = """
        <h1>Sessions <small>{{total}}</small></h1>
        <p>{{#filters}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a> {{/filters}}</p>
        <table id="sessions"><thead><tr><th>Session</th><th>User</th><th>Status</th><th>Last active</th><th>Expires</th><th></th></tr></thead><tbody>
        {{#items}}<tr data-session-id="{{id}}"><td><code>{{id}}</code></td><td><a href="/dashboard/users/{{userID}}"><code>{{userID}}</code></a></td>
        <td><span class="badge {{statusClass}}">{{status}}</span></td><td>{{lastActive}}</td><td>{{expires}}</td>
        <td>{{#active}}<form method="post" action="/dashboard/sessions/{{id}}/revoke" class="inline"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="danger">Revoke</button></form>{{/active}}</td></tr>{{/items}}
        {{^items}}<tr><td colspan="6" class="muted">No sessions.</td></tr>{{/items}}
        </tbody></table>
        """

    static let jwtTemplates = """
        <h1>JWT templates <small>{{total}}</small></h1>
        <table id="jwt-templates"><thead><tr><th>Name</th><th>Claims</th><th>Lifetime</th><th></th></tr></thead><tbody>
        {{#items}}<tr data-template-id="{{id}}"><td><a href="/dashboard/jwt-templates/{{id}}">{{name}}</a><br><code>{{id}}</code></td><td><pre>{{claims}}</pre></td><td>{{lifetime}} s</td>
        <td><form method="post" action="/dashboard/jwt-templates/{{id}}/delete" class="inline"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="danger">Delete</button></form></td></tr>{{/items}}
        {{^items}}<tr><td colspan="4" class="muted">No JWT templates.</td></tr>{{/items}}
        </tbody></table>
        <h2>Create a template</h2>
        <form method="post" action="/dashboard/jwt-templates" class="stack" id="create-jwt-template">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <label>Name <input name="name" value="{{form.name}}" required></label>
        <label>Claims (JSON object; shortcodes such as <code>&#123;&#123;user.id&#125;&#125;</code> work) <textarea name="claims" rows="5">{{form.claims}}</textarea></label>
        <label>Lifetime in seconds <input name="lifetime" type="number" min="30" max="315360000" value="{{form.lifetime}}"></label>
        <button type="submit">Create template</button></form>
        """

    static let jwtTemplate = """
        <p><a href="/dashboard/jwt-templates">← JWT templates</a></p>
        <h1>{{name}}</h1>
        <dl><dt>ID</dt><dd><code>{{id}}</code></dd><dt>Created</dt><dd>{{created}}</dd></dl>
        <form method="post" action="/dashboard/jwt-templates/{{id}}" class="stack" id="edit-jwt-template">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <label>Name <input name="name" value="{{form.name}}" required></label>
        <label>Claims (JSON object) <textarea name="claims" rows="8">{{form.claims}}</textarea></label>
        <label>Lifetime in seconds <input name="lifetime" type="number" min="30" max="315360000" value="{{form.lifetime}}"></label>
        <button type="submit">Save</button></form>
        <h2>Danger zone</h2>
        <form method="post" action="/dashboard/jwt-templates/{{id}}/delete" class="inline"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="danger">Delete template</button></form>
        """

    static let webhooks = """
        <h1>Webhook deliveries <small>{{total}}</small></h1>
        {{^configured}}<p class="muted">Webhooks are not configured. Start the emulator with <code>--webhook-url URL</code> to record and send events.</p>{{/configured}}
        {{#configured}}<p>Sent to <code>{{endpoint}}</code>. {{#filters}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a> {{/filters}}</p>
        <table id="webhooks"><thead><tr><th>Event</th><th>Status</th><th>Attempts</th><th>Created</th><th></th></tr></thead><tbody>
        {{#items}}<tr data-message-id="{{id}}"><td>{{type}}<br><code>{{id}}</code>
        <details><summary>Payload and attempts</summary>
        <table><tbody>{{#attempts}}<tr><td>{{started}}</td><td>{{result}}</td><td>{{duration}} ms</td></tr>{{/attempts}}</tbody></table>
        <pre>{{payload}}</pre></details></td>
        <td><span class="badge {{statusClass}}" data-status="{{status}}">{{status}}</span>{{#lastError}}<br><span class="muted">{{lastError}}</span>{{/lastError}}</td>
        <td>{{attemptCount}}</td><td>{{created}}</td>
        <td>{{^pending}}<form method="post" action="/dashboard/webhooks/{{id}}/redeliver" class="inline"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit">Redeliver</button></form>{{/pending}}</td></tr>{{/items}}
        {{^items}}<tr><td colspan="5" class="muted">No events.</td></tr>{{/items}}
        </tbody></table>
        {{#previous}}<a href="{{previous}}">← Newer</a> {{/previous}}{{#next}}<a href="{{next}}">Older →</a>{{/next}}{{/configured}}
        """

    static let requests = """
        <h1>Recent Backend API requests <small>{{total}} since start</small></h1>
        <p class="muted">The last {{capacity}}, newest first: from your app's SDK, and (marked) from this dashboard's own actions.</p>
        <table id="requests"><thead><tr><th>Time</th><th>Request</th><th>Operation</th><th>Status</th><th>Duration</th></tr></thead><tbody>
        {{#items}}<tr><td>{{time}}</td><td><code>{{method}} {{path}}</code>{{#fromDashboard}} <span class="badge">dashboard</span>{{/fromDashboard}}</td>
        <td>{{operation}}</td><td><span class="badge {{statusClass}}">{{status}}</span></td><td>{{duration}} ms</td></tr>{{/items}}
        {{^items}}<tr><td colspan="5" class="muted">No requests yet.</td></tr>{{/items}}
        </tbody></table>
        """

    static let effects = """
        <h1>Effects outside the emulator <small>{{total}} since start</small></h1>
        <p class="muted">What a real instance would have done beyond its own state (emails and SMS sent, cards charged,
        proxies and identity providers called), which the emulator does not do. Verification codes are always 424242.</p>
        <table id="effects"><thead><tr><th>Time</th><th>Effect</th><th>Details</th></tr></thead><tbody>
        {{#items}}<tr><td>{{time}}</td><td>{{text}}</td><td>{{#details}}<code>{{name}}={{value}}</code> {{/details}}</td></tr>{{/items}}
        {{^items}}<tr><td colspan="3" class="muted">Nothing yet.</td></tr>{{/items}}
        </tbody></table>
        """

    static let message = """
        <h1>{{heading}}</h1><p>{{text}}</p>{{#hint}}<p class="muted">{{hint}}</p>{{/hint}}
        """
}
