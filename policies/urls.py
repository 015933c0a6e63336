from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    # -- catalogue: policies, clause editor, impact preview, publish, consultation
    path("", views.catalogue, name="catalogue"),
    path("new/", views.catalogue_policy_edit, name="catalogue-policy-new"),
    path("<int:pk>/", views.catalogue_policy, name="catalogue-policy"),
    path("<int:pk>/edit/", views.catalogue_policy_edit, name="catalogue-policy-edit"),
    path("<int:pk>/impact/", views.policy_impact, name="catalogue-impact"),
    path("<int:pk>/publish/", views.policy_publish, name="catalogue-publish"),
    path("<int:pk>/clauses/new/", views.clause_edit, name="clause-new"),
    path("<int:pk>/clauses/preview/", views.clause_preview, name="clause-preview"),
    path("<int:pk>/clauses/impact/", views.clause_impact, name="clause-impact"),
    path("<int:pk>/clauses/<int:clause_pk>/edit/", views.clause_edit, name="clause-edit"),
    path("<int:pk>/clauses/<int:clause_pk>/preview/", views.clause_preview, name="clause-preview"),
    path("<int:pk>/clauses/<int:clause_pk>/impact/", views.clause_impact, name="clause-impact"),
    path("<int:pk>/consultations/new/", views.consultation_new, name="consultation-new"),
    path("consultations/<int:pk>/", views.consultation, name="consultation"),
    path("consultations/<int:pk>/comments/", views.comment_add, name="comment-add"),
    path("comments/<int:pk>/answer/", views.comment_answer, name="comment-answer"),
    # -- delivery: eligible lists, explanations, policies for me, notifications, grants, applications
    path("mine/", views.mine, name="mine"),
    path("mine/<int:clause_pk>/apply/", views.apply, name="apply"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("delivery/", views.delivery, name="delivery"),
    path("delivery/clauses/<int:clause_pk>/", views.delivery_clause, name="delivery-clause"),
    path("delivery/clauses/<int:clause_pk>/export.csv", views.delivery_export, {"fmt": "csv"}, name="delivery-export"),
    path("delivery/clauses/<int:clause_pk>/export.<slug:fmt>", views.delivery_export, name="delivery-export"),
    path("delivery/clauses/<int:clause_pk>/near-misses/", views.delivery_near, name="delivery-near"),
    path("delivery/clauses/<int:clause_pk>/batches/", views.grant_batches, name="grant-batches"),
    path("delivery/batches/<int:pk>/", views.grant_batch, name="grant-batch"),
    path("delivery/batches/<int:pk>/approve/", views.grant_batch_approve, name="grant-batch-approve"),
    path("delivery/batches/<int:pk>/reject/", views.grant_batch_reject, name="grant-batch-reject"),
    path("delivery/figures/<slug:what>/", views.figure_records, name="figure-records"),
    path("delivery/explain/<int:enterprise_pk>/<int:clause_pk>/", views.explain, name="explain"),
    path("delivery/applications/<int:pk>/", views.application, name="application"),
    path("delivery/applications/<int:pk>/decide/", views.application_decide, name="application-decide"),
]
