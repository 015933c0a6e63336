from django.urls import path

from insight import views

app_name = "insight"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("models/<slug:target>/activate/<int:version>/", views.model_activate, name="activate"),
    path("models/<slug:target>/rollback/", views.model_rollback, name="rollback"),
    path("hot/", views.hot, name="hot"),
    path("hot/convert/", views.hot_convert, name="hot_convert"),
    path("suggest/", views.suggest, name="suggest"),
]
