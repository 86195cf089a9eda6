"""Renewals: contracts, licences and domains that lapse, and the notices that renew them.

`service` holds the use cases (`RenewalService`) and dashboard tiles; `notices` turns
renewal notices found in the mailbox into renewals.
"""
