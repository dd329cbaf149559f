"""The demo's Bercy Jam, played through the services, for the tests of what a jam publishes."""

from pollen.accounts.models import Role, User
from pollen.calls.models import Call
from pollen.jam.demo import BERCY_SLUG, load_jam_demo
from pollen.jam.models import Jam


def bercy_jam(call: Call) -> Jam:
    """The demo's two staff accounts, then the jam (about 1.5 s)."""
    User.objects.create_user("responsable@pollen.example", "x", role=Role.MANAGER)
    User.objects.create_user("instructrice@pollen.example", "x", role=Role.INSTRUCTOR)
    load_jam_demo(call.slug)
    return Jam.objects.get(slug=BERCY_SLUG)
