"""The Dashboard dock and the report page (issue 15): charts of a domain Dashboard value."""
