"""ASGI entry point (uvicorn config.asgi:application): the jam's streams, and every page too.

Only the jam's server-sent events need it (pollen/jam/streams.py); the other pages run the same
sync views in Django's threads. docs/deployment.md says which paths to send here.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()
