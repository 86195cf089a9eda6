"""People who can unlock the vault.

One module per group of use cases: `members` (user names, the users row, key slots, the signed
member list) → `passphrases` (change, reset) and `removal` (a new key epoch, records re-sealed)
→ `service` (`UserService`, which gathers them).
"""
