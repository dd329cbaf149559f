from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pollen.expertise.models import Assignment, ConflictDeclaration, ExpertProfile

# Every change goes through the services (audited): the admin only reads.


@admin.register(ExpertProfile, ConflictDeclaration, Assignment)
class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
