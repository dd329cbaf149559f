"""Applying: money, SIRET, calls, budgets, eligibility, the exchange format, receipts."""
