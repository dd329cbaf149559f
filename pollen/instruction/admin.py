from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pollen.instruction.models import PairRule

# Every change goes through the services (audited): the admin only reads.


@admin.register(PairRule)
class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
