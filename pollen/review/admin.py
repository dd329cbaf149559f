from django.contrib import admin

from pollen.review.models import Assignment, ConflictDeclaration, ExpertProfile, PairRule

# Every change goes through the services (audited): the admin only reads.


@admin.register(ExpertProfile, ConflictDeclaration, PairRule, Assignment)
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
