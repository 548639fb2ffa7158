"""Target-valid fuzz formats (issue 19): subject URLs the target fetches, fresh partij nummers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.fuzz import formats
from conformance.generators import elfproef_valid

DOCUMENT = {
    "components": {
        "schemas": {
            "K": {
                "properties": {
                    "subject": {"type": "string", "format": "uri"},
                    "nummer": {"type": "string", "maxLength": 10},
                }
            }
        }
    }
}
HINTS = {"subject": "subject-url", "nummer": "partij-nummer"}


def test_subject_url_replaces_uri_only_when_the_target_can_fetch_one() -> None:
    formats.reset(subject_url_template="http://127.0.0.1:1/brp/{bsn}")
    props = formats.with_formats(DOCUMENT, HINTS)["components"]["schemas"]["K"]["properties"]
    assert props["subject"]["format"] == "subject-url" and props["nummer"]["format"] == "partij-nummer"
    formats.reset()  # no --subject-url-template: the contract's own uri generator stays
    props = formats.with_formats(DOCUMENT, HINTS)["components"]["schemas"]["K"]["properties"]
    assert props["subject"]["format"] == "uri"


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_subject_urls_name_a_valid_bsn_and_nummers_never_repeat(data: st.DataObject) -> None:
    formats.reset(subject_url_template="http://127.0.0.1:1/brp/{bsn}")
    url = data.draw(formats.STRATEGIES["subject-url"]())
    assert url.startswith("http://127.0.0.1:1/brp/") and elfproef_valid(url.rsplit("/", 1)[1])
    nummers = [data.draw(formats.STRATEGIES["partij-nummer"]()) for _ in range(20)]
    assert len(set(nummers)) == 20 and all(len(n) == 10 for n in nummers)
    formats.reset()
