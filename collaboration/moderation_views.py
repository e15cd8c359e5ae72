"""/moderation/reports/ (staff only): reports of invitations and conversations, what each
report hands moderators (the invitation, or the messages up to the report), decisions
(dismiss, warn, suspend messaging) and the append-only log. Linked from the claims queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from bzpeer.http import HtmxRequest, staff_required
from collaboration import selectors, services
from collaboration.forms import DecisionForm
from collaboration.models import Report


@staff_required
@require_safe
def queue(request: HtmxRequest) -> HttpResponse:
    show = "all" if request.GET.get("show") == "all" else "open"
    return render(request, "moderation/reports.html", {"reports": selectors.report_queue(show), "show": show})


def _report_page(request: HtmxRequest, report_id: int, form: DecisionForm | None = None) -> HttpResponse:
    page = selectors.report_page(report_id)
    if page is None:
        raise Http404("No such report")
    status = 400 if form is not None and form.errors else 200
    return render(request, "moderation/report.html", {"page": page, "form": form or DecisionForm()}, status=status)


@staff_required
@require_safe
def report(request: HtmxRequest, report_id: int) -> HttpResponse:
    return _report_page(request, report_id)


@staff_required
@require_POST
def decide(request: HtmxRequest, report_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report_id, form)
    try:
        services.report_decide(
            moderator=request.user,  # type: ignore[arg-type]
            report_id=report_id,
            decision=form.cleaned_data["decision"],
            message=form.cleaned_data["message"],
        )
    except Report.DoesNotExist:
        raise Http404("No such report") from None
    except services.Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Decided and logged.")
    return redirect("moderation_reports:report", report_id)


@staff_required
@require_safe
def log(request: HtmxRequest) -> HttpResponse:
    return render(request, "moderation/report_log.html", {"events": selectors.moderation_log()})
