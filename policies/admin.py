"""Administration of the policy catalogue and of delivery, read-only: every write goes through
``policies.services`` (the editor pages and the API), so that each change is validated and leaves its
version, grant or decision on record. The admin is for looking things up."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from policies.models import (
    Application,
    ClauseVersion,
    Comment,
    Consultation,
    Grant,
    GrantBatch,
    GrantBatchLine,
    Match,
    Notification,
    Policy,
    PolicyClause,
)


class ClauseInline(ReadOnlyInline):
    model = PolicyClause
    fields = ["code", "number", "title", "mode", "budget", "department", "rule_version"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "issuer", "issued_on", "expires_on", "status", "is_example"]
    list_filter = ["status", "is_example"]
    search_fields = ["code", "title", "document_number"]
    inlines = [ClauseInline]


class VersionInline(ReadOnlyInline):
    model = ClauseVersion
    fields = ["rule_version", "created_at", "created_by", "reason", "condition", "benefit", "cap"]
    readonly_fields = fields


@admin.register(PolicyClause)
class PolicyClauseAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "policy", "mode", "budget", "department", "rule_version", "matched_version"]
    list_filter = ["mode", "policy"]
    search_fields = ["code", "title"]
    inlines = [VersionInline]


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ["clause", "credit_code", "result", "amount", "missing", "rule_version", "computed_at"]
    list_filter = ["result"]
    search_fields = ["credit_code"]
    raw_id_fields = ["clause"]
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "enterprise", "clause", "rule_version", "amount", "emailed_to", "read_at"]
    search_fields = ["enterprise__credit_code", "enterprise__name"]
    raw_id_fields = ["enterprise", "clause"]
    show_full_result_count = False


class LineInline(ReadOnlyInline):
    model = GrantBatchLine
    raw_id_fields = ["enterprise"]


@admin.register(GrantBatch)
class GrantBatchAdmin(ReadOnlyAdmin):
    list_display = ["pk", "clause", "status", "created_at", "created_by", "reviewed_at", "reviewed_by"]
    list_filter = ["status"]
    inlines = [LineInline]


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ["granted_at", "clause", "enterprise", "amount", "batch", "application", "granted_by"]
    search_fields = ["enterprise__credit_code", "enterprise__name"]
    raw_id_fields = ["enterprise", "clause", "batch", "application"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["submitted_at", "clause", "enterprise", "amount", "item", "decision", "decided_amount"]
    list_filter = ["decision"]
    search_fields = ["enterprise__credit_code", "enterprise__name"]
    raw_id_fields = ["enterprise", "clause", "item"]


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ["created_at", "author", "on_behalf_of", "clause", "text", "answer", "adopted", "answered_by"]
    readonly_fields = fields


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["policy", "opens_on", "closes_on", "created_by"]
    inlines = [CommentInline]
