from rest_framework.routers import SimpleRouter

from org.api import views

router = SimpleRouter()
router.register("divisions", views.DivisionViewSet, basename="division")
router.register("departments", views.DepartmentViewSet, basename="department")

urlpatterns = router.urls
