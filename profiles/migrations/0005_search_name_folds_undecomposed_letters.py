"""Researcher.search_name again, for names with letters NFKD does not decompose (ł, ø, đ, æ, œ):
profiles.names.fold now folds them to their base letters (one folding, as OpenAlex's search
does), so "Lukasz" finds "Łukasz". Only rows whose stored text still holds such a letter can
change; other rows are not touched."""

from django.db import migrations

from profiles.names import search_text

BATCH = 2000


def refold(apps, schema_editor) -> None:
    Researcher = apps.get_model("profiles", "Researcher")
    stale = Researcher.objects.filter(search_name__regex=r"[łøđæœ]").only(
        "id", "display_name", "display_name_alternatives", "search_name"
    )
    changed = []
    for researcher in stale.iterator(chunk_size=BATCH):
        researcher.search_name = search_text(researcher.display_name, researcher.display_name_alternatives)
        changed.append(researcher)
        if len(changed) >= BATCH:
            Researcher.objects.bulk_update(changed, ["search_name"])
            changed = []
    Researcher.objects.bulk_update(changed, ["search_name"])


class Migration(migrations.Migration):
    dependencies = [("profiles", "0004_claim_models_moved_to_claims")]

    # Not reversed: the earlier folding is gone from the code, and the new text finds
    # everything the old one found.
    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
