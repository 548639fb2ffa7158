"""Report writers: everything a run hands to people and machines after the verdicts are known.

``report.py`` decides verdicts and builds the JSON report dict; this package turns that dict into
the other outputs (terminal table, HTML, badge, bundle) and applies waivers as a post-pass. None
of it imports pytest.
"""
