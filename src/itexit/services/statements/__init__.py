"""HR exit statements: prepare, print, record the signing (hr scope).

One module per group of use cases, each building on the one before: `records` (finding a case's
statement, opening it into the statement shown) → `reading` → `drafting` (the template, edits,
property, listed passwords) → `signing` (the PDF, the signing record, late returns) → `service`
(`StatementService`, which gathers them); `tiles` (the dashboard tile and reminders).
"""
