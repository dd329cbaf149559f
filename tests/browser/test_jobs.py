"""A long job in a real browser: the progress bar moves, then the result appears, no reload."""

import threading
import time

import pytest
from django.db import connection

from pollen import jobs
from pollen.demo.personas import DEMO_PASSWORD
from pollen.jobs import services
from pollen.jobs.models import Job
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STEPS = 6


def slow_export(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    for done in range(STEPS):
        progress(done, STEPS, f"Ligne {done * 1000}")
        time.sleep(0.8)
    return jobs.Outcome(content=b"a;b\n", filename="lent.csv", content_type="text/csv")


def worker(job_id: str) -> None:
    """A db_worker's part, in a thread of this process."""
    try:
        services.run_job.call(job_id)
    finally:
        connection.close()


def test_the_job_page_shows_the_progress_moving_then_the_download_without_a_reload(
    page, personas, settings
):
    jobs.register("tests.slow_export", slow_export, title="Export lent")
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    job = services.start("tests.slow_export", owner=personas["manager"])  # queued, not run
    login(page, personas["manager"].email, DEMO_PASSWORD)
    page.goto(f"{page.base}/travaux/{job.pk}/")
    assert page.locator("#job-status").text_content() == "En attente"
    page.evaluate("window.notReloaded = true")

    runner = threading.Thread(target=worker, args=[str(job.pk)])
    runner.start()
    try:
        bar = page.locator("#job-progress[value]")
        bar.wait_for()
        first = int(bar.get_attribute("value") or 0)
        page.wait_for_function(
            "v => Number(document.querySelector('#job-progress')?.value) > v", arg=first
        )
        assert page.locator("#job-label").inner_text().startswith("Ligne ")
        assert page.locator("#job-live").get_attribute("aria-live") == "polite"
        link = page.locator("#job-result")
        link.wait_for(timeout=20000)
    finally:
        runner.join()
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the fragment in place
    assert page.locator("#job-status").text_content() == "Terminé"
    assert page.locator("#job-state").get_attribute("data-status") == "done"
    assert link.inner_text() == "Télécharger lent.csv"
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), "rb") as downloaded:
        assert downloaded.read() == b"a;b\n"
