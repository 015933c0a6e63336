from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    # -- catalogue: policies, clause editor, impact preview, publish, consultation
    # -- delivery: eligible lists, explanations, policies for me, notifications, grants, applications
]
