"""Vendors, their services and authorised contacts, and what is tied to the leaver.

One module per group of use cases, each building on the one before: `records` (the row, its
sealed document, finding and checking) → `flags` (what ties a vendor to the leaver) →
`reading` → `contacts` → `service` (`VendorService`, which gathers them) → `tiles` (the
dashboard).
"""
