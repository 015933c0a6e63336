"""Settings for the test suite: the ordinary settings in debug mode, with fast password hashing."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")  # the RQ test's own database

from grassroots.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
