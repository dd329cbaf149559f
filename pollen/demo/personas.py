"""The demo's named people: one login per role, the same everywhere (tests use them too)."""

from pollen.accounts.models import Role

DEMO_PASSWORD = "pollen-demo-2013"  # noqa: S105 - a published demo password, never for real use

PERSONAS = [
    ("porteur@pollen.example", "Camille Martin", Role.APPLICANT),
    ("porteuse2@pollen.example", "Nour Benali", Role.APPLICANT),
    ("instructrice@pollen.example", "Hélène Garnier", Role.INSTRUCTOR),
    ("expert@pollen.example", "Yann Le Goff", Role.EXPERT),
    ("comite@pollen.example", "Sophie Durand", Role.COMMITTEE),
    ("responsable@pollen.example", "Marc Lefebvre", Role.MANAGER),
    ("finances@pollen.example", "Aline Roux", Role.FINANCE),
    ("admin@pollen.example", "Admin Pollen", Role.ADMIN),
]
