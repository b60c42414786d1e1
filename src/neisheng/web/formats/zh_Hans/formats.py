# Used only where a template asks for grouping ({% load humanize %}|intcomma, or
# |floatformat:"2g"): USE_THOUSAND_SEPARATOR stays off, so ids, years and form inputs
# are never grouped.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
