"""Privacy accounting: budgets, events, accountants and the ledger.

Pure math and bookkeeping; nothing here imports the pipeline, the CLI or torch.
"""

from __future__ import annotations

from safedata_core.privacy.accountants import Accountant, accountant_names, create_accountant, register_accountant
from safedata_core.privacy.budget import Budget, PrivacyEvent
from safedata_core.privacy.ledger import BudgetShare, Charge, Ledger

__all__ = [
    "Accountant",
    "Budget",
    "BudgetShare",
    "Charge",
    "Ledger",
    "PrivacyEvent",
    "accountant_names",
    "create_accountant",
    "register_accountant",
]
