"""Staff pages for importing researchers from OpenAlex. (The public work page is composed in
pages.views.)"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseStopPolling

from bzpeer.http import HtmxRequest, staff_required
from works import selectors, services
from works.forms import AuthorImportForm
from works.models import ImportJob, SnapshotSync


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_list(request: HtmxRequest) -> HttpResponse:
    form = AuthorImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        job = services.import_job_queue(query=form.cleaned_data["query"], requested_by_id=request.user.pk)
        return redirect("works:import_detail", job_id=job.pk)
    context = {"form": form, "jobs": selectors.import_jobs_recent(), "syncs": selectors.snapshot_syncs_recent()}
    return render(request, "works/import_list.html", context)


def _job_or_404(job_id: int) -> ImportJob:
    try:
        return selectors.import_job_get(job_id=job_id)
    except ImportJob.DoesNotExist:
        raise Http404("No such import job") from None


def _job_context(job: ImportJob) -> dict[str, object]:
    return {"job": job, "heartbeat_timeout": settings.IMPORT_HEARTBEAT_TIMEOUT}


@staff_required
@require_safe
def import_detail(request: HtmxRequest, job_id: int) -> HttpResponse:
    return render(request, "works/import_detail.html", _job_context(_job_or_404(job_id)))


@staff_required
@require_safe
def import_progress(request: HtmxRequest, job_id: int) -> HttpResponse:
    """The polled progress fragment; status 286 tells htmx to stop polling once finished."""
    job = _job_or_404(job_id)
    response = render(request, "works/import_detail.html#import-progress", _job_context(job))
    if job.is_finished:
        response.status_code = HttpResponseStopPolling.status_code
    return response


def _summary_or_404(sync_id: int) -> selectors.SnapshotSyncSummary:
    try:
        return selectors.snapshot_sync_summary(sync_id=sync_id)
    except SnapshotSync.DoesNotExist:
        raise Http404("No such snapshot sync") from None


@staff_required
@require_safe
def snapshot_detail(request: HtmxRequest, sync_id: int) -> HttpResponse:
    """A snapshot sync: tasks done of all, records, failed parts with their reasons, by entity."""
    return render(request, "works/snapshot_detail.html", {"summary": _summary_or_404(sync_id)})


@staff_required
@require_safe
def snapshot_progress(request: HtmxRequest, sync_id: int) -> HttpResponse:
    """The polled progress fragment; status 286 tells htmx to stop polling once finished."""
    summary = _summary_or_404(sync_id)
    response = render(request, "works/snapshot_detail.html#snapshot-progress", {"summary": summary})
    if summary.sync.is_finished:
        response.status_code = HttpResponseStopPolling.status_code
    return response
