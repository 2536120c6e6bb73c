"""Django settings for running bamboo-engine inside this process (or a Celery worker).

Only what the new engine needs: the component framework, the engine runtime's models
(`pipeline.eri`) and this app, which holds the test components. The database is an in-memory
SQLite unless ENGINE_DIFF_DB names a file (the worker mode shares one file between processes).
"""

import os

SECRET_KEY = "engine-diff-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "pipeline.component_framework",
    "pipeline.eri",
    "enginediff.real",
]
_DB = os.environ.get("ENGINE_DIFF_DB", ":memory:")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _DB,
        "TEST": {"NAME": _DB},
        "OPTIONS": {"timeout": 30},
    }
}
# The component registry is filled by importing the collections module; no database writes.
AUTO_UPDATE_COMPONENT_MODELS = False
COMPONENT_AUTO_DISCOVER_PATH = ["components.collections"]
# Celery (worker mode only); old un-namespaced names, as bamboo-pipeline reads them.
BROKER_URL = os.environ.get("ENGINE_DIFF_BROKER", "memory://")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_IGNORE_RESULT = True
LOGGING_CONFIG = None
