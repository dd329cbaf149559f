"""The <id:…> path converter: a database id, or the route does not match (a 404)."""

from django.urls import register_converter

# Ids are 64-bit signed integers in SQLite and PostgreSQL (BigAutoField); a larger number in a
# URL would reach the database driver and fail there (OverflowError) instead of being a 404.
MAX_ID = 2**63 - 1


class DatabaseId:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is larger than any database id")  # Django: no match
        return number

    def to_url(self, value: int) -> str:
        return str(value)


# Registered once, when the first urls.py imports this module (Django refuses a second time).
register_converter(DatabaseId, "id")
